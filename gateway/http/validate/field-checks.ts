import { GatewayError } from '../../core/errors.js';

/**
 * Small type checks for request bodies, shared by the per-dialect validators. Each throws a
 * 400 naming the field's path (in the caller's dialect) and the JSON type it needs, never the
 * value given (a body may carry secrets or megabytes).
 */

/** A JSON object as parsed. */
export type JsonObject = Record<string, unknown>;

/** The 400 for a field of the wrong shape. */
export function invalidField(path: string, expected: string): GatewayError {
  return new GatewayError('invalid_request', `${path}: must be ${expected}`, { param: path });
}

/** True when an optional field is left out (absent or JSON null). */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, else a 400. */
export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw invalidField(path, 'an object');
  return value;
}

/** The value as an array, else a 400. */
export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalidField(path, 'an array');
  return value;
}

/** A string, else a 400. */
export function checkString(value: unknown, path: string): void {
  if (typeof value !== 'string') throw invalidField(path, 'a string');
}

/** Absent (undefined or null) or a string. */
export function checkOptionalString(value: unknown, path: string): void {
  if (!isAbsent(value)) checkString(value, path);
}

/** Absent or a finite number. */
export function checkOptionalNumber(value: unknown, path: string): void {
  if (!isAbsent(value) && (typeof value !== 'number' || !Number.isFinite(value))) throw invalidField(path, 'a number');
}

/** Absent or a boolean. */
export function checkOptionalBoolean(value: unknown, path: string): void {
  if (!isAbsent(value) && typeof value !== 'boolean') throw invalidField(path, 'a boolean');
}

/** Absent or an object. */
export function checkOptionalObject(value: unknown, path: string): void {
  if (!isAbsent(value)) requireObject(value, path);
}

/** Absent, or an array of strings. */
export function checkOptionalStringArray(value: unknown, path: (index: number) => string, whole: string): void {
  if (isAbsent(value)) return;
  requireArray(value, whole).forEach((item, index) => checkString(item, path(index)));
}

/**
 * `stream` must be a boolean when given: any other value (`"yes"`) would be read as "not a
 * stream" here but as a stream by a provider that receives the body as is, whose SSE answer
 * then fails to parse as JSON (a 502 blaming the upstream).
 */
export function checkStreamFlag(body: JsonObject): void {
  checkOptionalBoolean(body.stream, 'stream');
}
