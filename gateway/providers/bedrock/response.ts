import type { ChatResponse, FinishReason, ToolCall, Usage } from '../chat-types.js';
import type { ConverseResponse, ConverseStopReason, ConverseUsage } from './wire-types.js';

/** What a translated response is labelled with (Converse has no response id of its own). */
export interface ResponseLabels {
  id: string;
  model: string;
  created: number;
}

/** Converse's stop reasons in OpenAI's vocabulary. */
export function finishReasonOf(stopReason: ConverseStopReason | undefined): FinishReason {
  switch (stopReason) {
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Bedrock token counts as OpenAI usage. Converse's inputTokens leaves out cache reads and writes
 * (its totalTokens counts them); OpenAI's prompt_tokens includes them, with cache reads under
 * prompt_tokens_details, as the Anthropic adapter reports them too.
 */
export function usageOf(usage: ConverseUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const prompt = (usage.inputTokens ?? 0) + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(usage.cacheReadInputTokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens } } : {}),
  };
}

/** Translates a Converse response into a chat completion. */
export function fromConverseResponse(body: ConverseResponse, labels: ResponseLabels): ChatResponse {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of body.output?.message?.content ?? []) {
    if (typeof block.text === 'string') texts.push(block.text);
    const toolUse = block.toolUse as { toolUseId?: string; name?: string; input?: unknown } | undefined;
    if (toolUse && typeof toolUse.name === 'string') {
      toolCalls.push({
        id: toolUse.toolUseId ?? `call_${toolCalls.length}`,
        type: 'function',
        function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) },
      });
    }
  }
  const usage = usageOf(body.usage);
  return {
    id: labels.id,
    object: 'chat.completion',
    created: labels.created,
    model: labels.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: texts.length > 0 ? texts.join('') : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(body.stopReason) ?? 'stop',
      },
    ],
    ...(usage ? { usage } : {}),
  };
}
