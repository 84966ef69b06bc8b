/**
 * What a request will probably use, reserved against token limits and budgets before it is
 * sent (the real usage is known only after the answer, and settles the reservation). The
 * prompt is counted at about 4 characters per token; the answer at its `max_tokens` (or the
 * dialect's equivalent), else DEFAULT_OUTPUT_TOKENS.
 */

/** Output tokens reserved when the request sets no maximum. */
export const DEFAULT_OUTPUT_TOKENS = 512;

const CHARS_PER_TOKEN = 4;
const PROMPT_FIELDS = ['messages', 'system', 'prompt', 'input', 'contents', 'systemInstruction', 'tools'] as const;

/** An estimated usage. */
export interface UsageEstimate {
  promptTokens: number;
  completionTokens: number;
}

/** Estimates a request's usage from its body; `embeddings` requests produce no output tokens. */
export function estimateUsage(body: Record<string, unknown>, embeddings = false): UsageEstimate {
  let chars = 0;
  for (const field of PROMPT_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    chars += typeof value === 'string' ? value.length : JSON.stringify(value).length;
  }
  const promptTokens = Math.ceil(chars / CHARS_PER_TOKEN);
  if (embeddings) return { promptTokens, completionTokens: 0 };
  const generation = body.generationConfig as Record<string, unknown> | undefined;
  const maximum = firstCount(body.max_tokens, body.max_completion_tokens, body.max_output_tokens, generation?.maxOutputTokens);
  return { promptTokens, completionTokens: maximum === undefined ? DEFAULT_OUTPUT_TOKENS : Math.ceil(maximum) };
}

/** The first of the dialects' output maximums that is a usable count (no array built per request). */
function firstCount(a: unknown, b: unknown, c: unknown, d: unknown): number | undefined {
  if (typeof a === 'number' && a >= 0) return a;
  if (typeof b === 'number' && b >= 0) return b;
  if (typeof c === 'number' && c >= 0) return c;
  if (typeof d === 'number' && d >= 0) return d;
  return undefined;
}
