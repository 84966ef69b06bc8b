import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../../providers/chat-types.js';
import { DEFAULT_MAX_TOKENS } from '../../providers/anthropic/request.js';
import type { AnthropicContentBlock, AnthropicRequest, AnthropicTool, AnthropicToolChoice } from '../../providers/anthropic/types.js';

/**
 * Translates an Anthropic Messages request into the node's chat shape, for providers that
 * do not speak Anthropic's protocol: `system` becomes a system message, `tool_result` blocks
 * become tool messages (placed before the user's other content, as OpenAI requires), and
 * image sources become image URLs. Blocks only Anthropic understands are refused with a 400.
 */
export function toChatRequest(request: AnthropicRequest, model: string): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemTextOf(request.system);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  for (const message of request.messages) {
    if (message.role === 'assistant') messages.push(toAssistantMessage(message.content));
    else messages.push(...toUserMessages(message.content));
  }

  const chat: ChatRequest = { model, messages, max_tokens: request.max_tokens ?? DEFAULT_MAX_TOKENS };
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.stop_sequences !== undefined) chat.stop = request.stop_sequences;
  if (request.metadata?.user_id !== undefined) chat.user = request.metadata.user_id;
  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  if (request.tools && request.tools.length > 0) {
    chat.tools = request.tools.map(toChatTool);
    applyToolChoice(chat, request.tool_choice);
  }
  return chat;
}

function systemTextOf(system: AnthropicRequest['system']): string | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system;
  return system.map((block) => block.text).join('\n\n');
}

function toAssistantMessage(content: string | AnthropicContentBlock[]): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const toolCalls: NonNullable<ChatMessage['tool_calls']> = [];
  for (const block of content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
    // Thinking blocks are the model's own scratch work; other providers cannot take them back.
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toUserMessages(content: string | AnthropicContentBlock[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: toolResultText(block.content, block.is_error === true) });
    } else {
      parts.push(toContentPart(block));
    }
  }
  if (parts.length === 0) return toolMessages;
  const allText = parts.every((part) => part.type === 'text');
  const userContent = allText ? parts.map((part) => (part as { text: string }).text).join('\n') : parts;
  return [...toolMessages, { role: 'user', content: userContent }];
}

function toContentPart(block: AnthropicContentBlock): ContentPart {
  if (block.type === 'text') return { type: 'text', text: block.text };
  if (block.type === 'image') {
    const source = block.source;
    const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
    return { type: 'image_url', image_url: { url } };
  }
  throw unsupported(`content blocks of type "${block.type}"`);
}

function toolResultText(content: string | AnthropicContentBlock[] | undefined, isError: boolean): string {
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    text = content
      .map((block) => {
        if (block.type === 'text') return block.text;
        throw unsupported(`tool_result content of type "${block.type}"`);
      })
      .join('\n');
  }
  // OpenAI has no error flag on tool results; say it in words so the model still knows.
  return isError ? `Error: ${text}` : text;
}

function toChatTool(tool: AnthropicTool): ToolDefinition {
  if (typeof tool.input_schema !== 'object' || tool.input_schema === null) {
    throw unsupported(`the server tool "${tool.name}"${typeof tool.type === 'string' ? ` (${tool.type})` : ''}`);
  }
  const fn: ToolDefinition['function'] = { name: tool.name, parameters: tool.input_schema };
  if (tool.description !== undefined) fn.description = tool.description;
  return { type: 'function', function: fn };
}

function applyToolChoice(chat: ChatRequest, choice: AnthropicToolChoice | undefined): void {
  if (!choice) return;
  if (choice.type === 'auto') chat.tool_choice = 'auto';
  else if (choice.type === 'any') chat.tool_choice = 'required';
  else if (choice.type === 'none') chat.tool_choice = 'none';
  else if (choice.type === 'tool') chat.tool_choice = { type: 'function', function: { name: choice.name } };
  if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use) chat.parallel_tool_calls = false;
}

function unsupported(what: string): GatewayError {
  return new GatewayError('invalid_request', `${what} can only be sent to an anthropic provider`, { param: 'messages' });
}
