import type { ChatResponse, FinishReason, Usage } from '../../providers/chat-types.js';
import type { AnthropicContentBlock, AnthropicResponse, AnthropicStopReason, AnthropicUsage } from '../../providers/anthropic/types.js';

/** Maps OpenAI's finish_reason back to Anthropic's stop_reason. */
export function toStopReason(reason: FinishReason | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Maps OpenAI usage to Anthropic's, splitting cached prompt tokens out of input_tokens. */
export function toAnthropicUsage(usage: Partial<Usage> | null | undefined): AnthropicUsage {
  const cached = (usage?.prompt_tokens_details as { cached_tokens?: number } | undefined)?.cached_tokens ?? 0;
  const out: AnthropicUsage = { input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached), output_tokens: usage?.completion_tokens ?? 0 };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/** Parses tool arguments a provider produced; a provider's broken JSON is kept as a string. */
export function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { arguments: text };
  }
}

/** Translates a chat completion into an Anthropic Messages response. */
export function toAnthropicResponse(chat: ChatResponse, messageId: string): AnthropicResponse {
  const choice = chat.choices[0];
  const content: AnthropicContentBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
  }
  return {
    id: messageId,
    type: 'message',
    role: 'assistant',
    model: chat.model,
    content,
    stop_reason: toStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(chat.usage),
  };
}
