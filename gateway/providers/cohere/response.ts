import type { ChatResponse, FinishReason, Usage } from '../chat-types.js';
import { EMPTY_TOOL_ARGUMENTS } from '../shared/tool-arguments.js';
import type { CohereChatResponse, CohereFinishReason, CohereUsage } from './types.js';

/** Maps Cohere's finish_reason to OpenAI's. */
export function toFinishReason(reason: CohereFinishReason | null | undefined): FinishReason {
  switch (reason) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR_TOXIC':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/** Token usage: the tokens the model processed, or the billed units when those are absent. */
export function toChatUsage(usage: CohereUsage | undefined): Usage | undefined {
  const counts = usage?.tokens ?? usage?.billed_units;
  if (!counts) return undefined;
  const prompt = counts.input_tokens ?? 0;
  const completion = counts.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Translates a v2 chat response into a chat completion. */
export function toChatResponse(response: CohereChatResponse, model: string, created = Math.floor(Date.now() / 1000)): ChatResponse {
  const texts = (response.message.content ?? []).filter((item) => item.type === 'text').map((item) => item.text ?? '');
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
  };
  const calls = response.message.tool_calls ?? [];
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.function.name, arguments: call.function.arguments || EMPTY_TOOL_ARGUMENTS },
    }));
  }
  const usage = toChatUsage(response.usage);
  return {
    id: response.id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, finish_reason: toFinishReason(response.finish_reason), logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}
