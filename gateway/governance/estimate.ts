/**
 * What a request will probably use, reserved against token limits and budgets before it is
 * sent (the real usage is known only after the answer, and settles the reservation). The
 * prompt is counted at about 4 characters of its JSON per token; the answer at its
 * `max_tokens` (or the dialect's equivalent), else DEFAULT_OUTPUT_TOKENS.
 */

/** Output tokens reserved when the request sets no maximum. */
export const DEFAULT_OUTPUT_TOKENS = 512;

const CHARS_PER_TOKEN = 4;
/** Deeper than this the count stops (request bodies are refused past 100 levels before this runs). */
const MAX_DEPTH = 128;
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
    chars += typeof value === 'string' ? value.length : jsonChars(value, MAX_DEPTH);
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

/**
 * About the length of `value`'s JSON text, counted without building it: the text would be
 * thrown away at once, and building it was about a fifth of the governance check's CPU in a
 * loaded node (bench/profile-notes.md). Escapes are not counted and every number counts as 8:
 * an estimate of 4 characters a token does not need them.
 */
function jsonChars(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return typeof value === 'number' ? 8 : 5;
  if (depth === 0) return 2;
  let chars = 2;
  if (Array.isArray(value)) {
    for (const item of value) chars += jsonChars(item, depth - 1) + 1;
    return chars;
  }
  // for..in over a parsed body builds no array of keys, unlike Object.entries.
  for (const key in value) chars += key.length + 4 + jsonChars((value as Record<string, unknown>)[key], depth - 1);
  return chars;
}
