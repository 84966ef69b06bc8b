import { GatewayError } from '../../core/errors.js';
import type { ChatRequest } from '../chat-types.js';

/**
 * Readers of a chat request's optional fields for translators. The request validator lets JSON
 * null through for them, since OpenAI's API reads null as "not set"; a translator testing
 * `!== undefined` would send the null upstream (or refuse `n: null`), so these read null as absent.
 */

/** The value when it is a number; undefined when absent, null or anything else. */
export function numberField(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The value when it is a string; undefined when absent, null or anything else. */
export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The output token limit asked for: `max_completion_tokens` (OpenAI's newer name) first, then `max_tokens`. */
export function maxOutputTokensOf(request: ChatRequest): number | undefined {
  return numberField(request.max_completion_tokens) ?? numberField(request.max_tokens);
}

/** `stop` as a list of sequences; undefined when absent or null. */
export function stopSequencesOf(request: ChatRequest): string[] | undefined {
  const stop = request.stop;
  if (typeof stop === 'string') return [stop];
  return Array.isArray(stop) ? stop : undefined;
}

/** `tool_choice`, with null read as absent. */
export function toolChoiceOf(request: ChatRequest): ChatRequest['tool_choice'] {
  return request.tool_choice ?? undefined;
}

/** Refuses an `n` other than 1 (absent or null is 1) for a provider that returns one choice per request. */
export function requireSingleChoice(request: ChatRequest, provider: string): void {
  const n = numberField(request.n);
  if (n !== undefined && n !== 1) {
    throw new GatewayError('invalid_request', `${provider} returns one choice per request: n must be 1`, { param: 'n' });
  }
}

/** The entries of `fields` that are not undefined: a translator's optional settings written as one literal. */
export function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const name in fields) if (fields[name] !== undefined) out[name] = fields[name];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/**
 * The JSON output `response_format` asks for: `{}` for json_object, `{ schema }` for json_schema
 * (its schema when it gave one); undefined for text or when absent.
 */
export function jsonOutputOf(request: ChatRequest): { schema?: unknown } | undefined {
  const format = request.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_object') return {};
  if (format?.type !== 'json_schema') return undefined;
  const schema = format.json_schema?.schema;
  return schema === undefined || schema === null ? {} : { schema };
}
