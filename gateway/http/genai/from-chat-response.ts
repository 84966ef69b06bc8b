import type { ChatResponse, FinishReason, Usage } from '../../providers/chat-types.js';
import type { GeminiCandidate, GeminiPart, GeminiResponse, GeminiUsageMetadata } from '../../providers/gemini/wire-types.js';

/** An OpenAI finish_reason in Gemini's words (tool calls end with STOP in Gemini). */
export function toGeminiFinishReason(reason: FinishReason | undefined): string | undefined {
  switch (reason) {
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return 'STOP';
    default:
      return undefined;
  }
}

/** OpenAI usage as Gemini's usageMetadata. */
export function toUsageMetadata(usage: Partial<Usage> | null | undefined): GeminiUsageMetadata | undefined {
  if (!usage) return undefined;
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  return { promptTokenCount: prompt, candidatesTokenCount: completion, totalTokenCount: usage.total_tokens ?? prompt + completion };
}

/** A function call part from an OpenAI tool call (arguments that are not a JSON object are wrapped). */
export function toFunctionCallPart(id: string | undefined, name: string, argumentsText: string): GeminiPart {
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
    args = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    args = { arguments: argumentsText };
  }
  return { functionCall: { ...(id ? { id } : {}), name, args } };
}

/** A chat completion as Gemini's `generateContent` response. */
export function toGeminiResponse(chat: ChatResponse): GeminiResponse {
  const candidates: GeminiCandidate[] = chat.choices.map((choice) => {
    const parts: GeminiPart[] = [];
    if (typeof choice.message.content === 'string' && choice.message.content !== '') parts.push({ text: choice.message.content });
    for (const call of choice.message.tool_calls ?? []) parts.push(toFunctionCallPart(call.id, call.function.name, call.function.arguments));
    const finishReason = toGeminiFinishReason(choice.finish_reason);
    return {
      ...(parts.length > 0 ? { content: { role: 'model', parts } } : {}),
      ...(finishReason ? { finishReason } : {}),
      index: choice.index,
    };
  });
  const usageMetadata = toUsageMetadata(chat.usage);
  return { candidates, ...(usageMetadata ? { usageMetadata } : {}), modelVersion: chat.model, responseId: chat.id };
}
