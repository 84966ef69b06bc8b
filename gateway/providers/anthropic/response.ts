import type { ChatResponse, FinishReason, ToolCall, Usage } from '../chat-types.js';
import type { AnthropicResponse, AnthropicStopReason, AnthropicUsage } from './types.js';

/** Maps Anthropic's stop_reason to OpenAI's finish_reason. */
export function toFinishReason(reason: AnthropicStopReason | string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/**
 * Maps Anthropic's usage to OpenAI's. Anthropic's input_tokens excludes cache reads and
 * writes; OpenAI's prompt_tokens includes them, with cache reads under prompt_tokens_details.
 */
export function toChatUsage(usage: Partial<AnthropicUsage>): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + cacheRead;
  const completion = usage.output_tokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) out.prompt_tokens_details = { cached_tokens: cacheRead };
  return out;
}

/** Translates a Messages API response into a chat completion. */
export function toChatResponse(response: AnthropicResponse, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let text = '';
  let sawText = false;
  const toolCalls: ToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') {
      text += block.text;
      sawText = true;
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: sawText ? text : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created,
    model: response.model,
    choices: [{ index: 0, message, finish_reason: toFinishReason(response.stop_reason), logprobs: null }],
    usage: toChatUsage(response.usage),
  };
}
