import type { Context } from 'koa';
import { toClientError } from '../../core/errors.js';
import { anthropicErrorTypeOf } from '../../providers/anthropic/errors.js';
import type { AnthropicErrorBody } from '../../providers/anthropic/types.js';
import { clientStatusOf, setRetryAfter } from '../middleware/error-handler.js';
import { noteError, requestStateOf } from '../../request/request-state.js';

const ANTHROPIC_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);

/**
 * An error in Anthropic's shape with the status to answer: the provider's own Anthropic
 * error type when it gave one, else the type Anthropic uses for that status, so the SDK
 * raises its matching error class (RateLimitError, BadRequestError, ...).
 */
export function toAnthropicError(error: unknown, requestId: string): { status: number; body: AnthropicErrorBody } {
  const known = toClientError(error);
  const status = clientStatusOf(known);
  const type = ANTHROPIC_TYPES.has(known.type) && status === known.status ? known.type : anthropicErrorTypeOf(status);
  return { status, body: { type: 'error', error: { type, message: known.message }, request_id: requestId } };
}

/** Answers the request with an Anthropic-shaped error (before any stream started). */
export function respondWithAnthropicError(ctx: Context, error: unknown): void {
  const state = requestStateOf(ctx);
  const { status, body } = toAnthropicError(error, state.requestId);
  noteError(state, error);
  setRetryAfter(ctx, error);
  ctx.status = status;
  ctx.set('request-id', state.requestId);
  ctx.body = body;
}
