import type { ChatRequest, ToolDefinition } from '../../../gateway/providers/chat-types.js';

/**
 * A chat request as an OpenAI client may send it with every optional field the translators read
 * set to JSON null (which OpenAI's API, and the node's validator, read as "not set"), next to
 * the same request without them: a translator must turn both into the same upstream body.
 */
export function requestsWithAndWithoutNulls(): { withNulls: ChatRequest; without: ChatRequest } {
  const tool: ToolDefinition = { type: 'function', function: { name: 'get_time' } };
  const without: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [tool] };
  const nullTool = { type: 'function', function: { name: 'get_time', description: null, parameters: null } };
  const nulls = {
    n: null,
    stop: null,
    temperature: null,
    top_p: null,
    max_tokens: null,
    max_completion_tokens: null,
    user: null,
    tool_choice: null,
    response_format: null,
    stream_options: null,
    tools: [nullTool],
  };
  return { withNulls: { ...without, ...nulls } as unknown as ChatRequest, without };
}
