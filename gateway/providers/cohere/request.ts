import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart } from '../chat-types.js';
import { forcedFunctionName, functionOf } from '../shared/function-tools.js';
import {
  definedFields,
  jsonOutputOf,
  maxOutputTokensOf,
  numberField,
  requireSingleChoice,
  stopSequencesOf,
  stringField,
  toolChoiceOf,
} from '../shared/request-fields.js';
import type { CohereChatRequest, CohereContent, CohereMessage } from './types.js';

/**
 * Translates a chat request into a Cohere v2 chat request. The shapes are close: roles and
 * tool calls carry over, `top_p` becomes `p`, `stop` becomes `stop_sequences`, and a forced
 * tool becomes REQUIRED with only that tool offered (Cohere cannot name one).
 */
export function toCohereRequest(request: ChatRequest, model: string): CohereChatRequest {
  requireSingleChoice(request, 'cohere');
  const body: CohereChatRequest = {
    model,
    messages: request.messages.map(toCohereMessage),
    ...definedFields({
      max_tokens: maxOutputTokensOf(request),
      temperature: numberField(request.temperature),
      p: numberField(request.top_p),
      k: numberField(request.top_k),
      seed: numberField(request.seed),
      frequency_penalty: numberField(request.frequency_penalty),
      presence_penalty: numberField(request.presence_penalty),
      stop_sequences: stopSequencesOf(request),
    }),
  };

  let tools = request.tools ?? [];
  const choice = toolChoiceOf(request);
  if (typeof choice === 'object') {
    const forced = forcedFunctionName(choice, 'cohere');
    tools = tools.filter((tool) => functionOf(tool, 'cohere').name === forced);
    body.tool_choice = 'REQUIRED';
  } else if (choice === 'required') {
    body.tool_choice = 'REQUIRED';
  } else if (choice === 'none' && tools.length > 0) {
    body.tool_choice = 'NONE';
  }
  if (tools.length > 0) {
    body.tools = tools.map((tool) => {
      const fn = functionOf(tool, 'cohere');
      const description = stringField(fn.description);
      return {
        type: 'function',
        function: {
          name: fn.name,
          ...(description !== undefined ? { description } : {}),
          // null is "no parameters", as OpenAI reads it.
          ...(fn.parameters ? { parameters: fn.parameters } : {}),
        },
      };
    });
  }

  const json = jsonOutputOf(request);
  if (json) body.response_format = { type: 'json_object', ...(json.schema ? { json_schema: json.schema as Record<string, unknown> } : {}) };
  return body;
}

function toCohereMessage(message: ChatMessage): CohereMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message.content) };
    case 'tool':
      if (!message.tool_call_id) {
        throw new GatewayError('invalid_request', 'a message with role "tool" needs a tool_call_id', { param: 'messages' });
      }
      return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content) };
    case 'assistant': {
      const out: CohereMessage = { role: 'assistant' };
      const text = textOf(message.content);
      if (text !== '') out.content = text;
      if (message.tool_calls && message.tool_calls.length > 0) {
        out.tool_calls = message.tool_calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments },
        }));
      }
      return out;
    }
    default:
      return { role: 'user', content: userContentOf(message.content) };
  }
}

function userContentOf(content: ChatMessage['content']): string | CohereContent[] {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map(toCohereContent);
}

function toCohereContent(part: ContentPart): CohereContent {
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  const url = part.type === 'image_url' ? (part.image_url as { url?: unknown } | undefined)?.url : undefined;
  if (typeof url === 'string') return { type: 'image_url', image_url: { url } };
  throw new GatewayError('invalid_request', `content part of type "${part.type}" is not supported by cohere`, { param: 'messages' });
}

function textOf(content: ChatMessage['content']): string {
  // OpenAI lets an assistant message with tool calls leave content out.
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
