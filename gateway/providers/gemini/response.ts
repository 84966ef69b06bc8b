import { createHash, randomUUID } from 'node:crypto';
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../chat-types.js';
import type { GeminiCandidate, GeminiResponse, GeminiUsageMetadata } from './wire-types.js';

const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
]);

/**
 * Gemini's finishReason in OpenAI's words. A candidate that called functions finished
 * with `tool_calls` (Gemini says STOP there); MAX_TOKENS is `length`; the safety family
 * is `content_filter`; anything else that ended the answer is `stop`.
 */
export function toFinishReason(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === undefined || reason === '' || reason === 'FINISH_REASON_UNSPECIFIED') return calledTools ? 'tool_calls' : null;
  if (calledTools && (reason === 'STOP' || reason === 'OTHER')) return 'tool_calls';
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  return 'stop';
}

/** usageMetadata as OpenAI usage; thinking tokens count as completion (and reasoning) tokens. */
export function toUsage(metadata: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!metadata) return undefined;
  const prompt = metadata.promptTokenCount ?? 0;
  const thoughts = metadata.thoughtsTokenCount ?? 0;
  const completion = (metadata.candidatesTokenCount ?? 0) + thoughts;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: metadata.totalTokenCount ?? prompt + completion,
  };
  if (metadata.cachedContentTokenCount !== undefined) usage.prompt_tokens_details = { cached_tokens: metadata.cachedContentTokenCount };
  if (thoughts > 0) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/**
 * A tool call id for a Gemini function call, which usually has none: the call's own id
 * when present, else derived from the response and the call's position, so the same
 * response (JSON or streamed) always yields the same ids.
 */
export function toToolCallId(seed: string, position: number, name: string, ownId?: string, thoughtSignature?: string): string {
  const id = ownId || `call_${createHash('sha256').update(`${seed}\u0000${position}\u0000${name}`).digest('hex').slice(0, 24)}`;
  return thoughtSignature ? `${id}${THOUGHT_SIGNATURE_SEPARATOR}${thoughtSignature}` : id;
}

/**
 * Gemini 3 refuses a conversation whose earlier function calls lost their
 * `thoughtSignature`. OpenAI clients keep nothing but the tool call id, so the signature
 * rides in it (stateless: any node of the cluster can restore it on the next turn).
 */
export const THOUGHT_SIGNATURE_SEPARATOR = '__thought__';

/** Splits a tool call id made by toToolCallId back into its id and thought signature. */
export function splitToolCallId(id: string): { id: string; thoughtSignature?: string } {
  const at = id.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
  if (at < 0) return { id };
  return { id: id.slice(0, at), thoughtSignature: id.slice(at + THOUGHT_SIGNATURE_SEPARATOR.length) };
}

/** A Gemini `generateContent` response as a chat completion. */
export function toChatResponse(response: GeminiResponse, model: string, fallbackId?: string): ChatResponse {
  const id = response.responseId ?? fallbackId ?? `chatcmpl-${randomUUID()}`;
  const candidates = response.candidates ?? [];
  const choices: ChatResponse['choices'] =
    candidates.length > 0 ? candidates.map((candidate, position) => toChoice(candidate, candidate.index ?? position, id)) : [blockedChoice(response)];
  const usage = toUsage(response.usageMetadata);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? model,
    choices,
    ...(usage ? { usage } : {}),
  };
}

function toChoice(candidate: GeminiCandidate, index: number, seed: string): ChatResponse['choices'][number] {
  let text = '';
  let hasText = false;
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought === true) continue;
    if (typeof part.text === 'string') {
      text += part.text;
      hasText = true;
    }
    if (part.functionCall) {
      const call = part.functionCall;
      toolCalls.push({
        id: toToolCallId(`${seed}:${index}`, toolCalls.length, call.name, call.id, part.thoughtSignature),
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
      });
    }
  }
  return {
    index,
    message: {
      role: 'assistant',
      content: hasText ? text : null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    finish_reason: toFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}

// No candidates at all means the prompt itself was blocked (promptFeedback.blockReason).
function blockedChoice(response: GeminiResponse): ChatResponse['choices'][number] {
  const blocked = response.promptFeedback?.blockReason !== undefined;
  return {
    index: 0,
    message: { role: 'assistant', content: null },
    finish_reason: blocked ? 'content_filter' : 'stop',
  };
}
