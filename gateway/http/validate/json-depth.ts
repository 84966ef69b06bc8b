import { GatewayError } from '../../core/errors.js';

/**
 * How deeply objects and arrays may nest in a request body. Tool schemas, the deepest part
 * of a real request, stay well under it; far deeper bodies overflow the stack of the
 * recursive code that copies or serialises them (JSON.stringify fails at a few thousand levels).
 */
export const MAX_BODY_DEPTH = 100;

/** Throws a 400 when `value` nests objects/arrays deeper than `maxDepth`. */
export function checkBodyDepth(value: unknown, maxDepth = MAX_BODY_DEPTH): void {
  if (typeof value === 'object' && value !== null && nestsDeeper(value, maxDepth)) {
    throw new GatewayError('invalid_request', `request body nests objects and arrays more than ${maxDepth} levels deep`);
  }
}

// Recursion is safe here: it stops at `remaining` 0, at most MAX_BODY_DEPTH frames deep.
// for..in over a parsed body needs no per-object array, unlike Object.values.
function nestsDeeper(value: object, remaining: number): boolean {
  if (remaining === 0) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (typeof child === 'object' && child !== null && nestsDeeper(child, remaining - 1)) return true;
    return false;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestsDeeper(child, remaining - 1)) return true;
  }
  return false;
}
