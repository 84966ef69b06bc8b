import { GatewayError } from '../../core/errors.js';

/**
 * How deeply objects and arrays may nest in a request body. Tool schemas, the deepest part
 * of a real request, stay well under it; far deeper bodies overflow the stack of the
 * recursive code that copies or serialises them (JSON.stringify fails at a few thousand levels).
 */
export const MAX_BODY_DEPTH = 100;

/** Throws a 400 when `value` nests objects/arrays deeper than `maxDepth`. Iterative, so it cannot overflow itself. */
export function checkBodyDepth(value: unknown, maxDepth = MAX_BODY_DEPTH): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) {
      throw new GatewayError('invalid_request', `request body nests objects and arrays more than ${maxDepth} levels deep`);
    }
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
  }
}
