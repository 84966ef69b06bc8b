import type { Context } from 'koa';
import { GatewayError, toErrorEnvelope } from '../../core/errors.js';
import type { Logger } from '../../../shared/logger.js';
import { noteError, requestStateOf } from '../../request/request-state.js';

/**
 * The status a client receives for an error. An upstream 503 is answered as 502: the load
 * balancer re-sends a request answered 503 to another node (that is how draining nodes shed
 * work), and work the node already did upstream must not run twice.
 */
export function clientStatusOf(error: GatewayError): number {
  // governance_unavailable is refused before any upstream work, like draining: a 503 is right.
  return error.status === 503 && error.code !== 'draining' && error.code !== 'governance_unavailable' ? 502 : error.status;
}

/** Passes a provider's `Retry-After` (or governance's: the end of a limit's window) on to the client, in whole seconds (any dialect). */
export function setRetryAfter(ctx: Context, error: unknown): void {
  if (error instanceof GatewayError && error.retryAfterMs !== undefined) ctx.set('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
}

/** Writes `error` as Bifrost's envelope with its status; unknown errors become a bare 500. */
export function respondWithError(ctx: Context, error: unknown, logger: Logger): void {
  const state = requestStateOf(ctx);
  if (!(error instanceof GatewayError)) {
    // The detail goes to the log only; the client gets a bare 500 with the request id.
    logger.error({ id: state?.requestId, err: error }, 'unexpected error');
  }
  const envelope = toErrorEnvelope(error, state?.requestId);
  const status = error instanceof GatewayError ? clientStatusOf(error) : 500;
  envelope.status_code = status;
  if (state) noteError(state, error);
  setRetryAfter(ctx, error);
  ctx.status = status;
  ctx.body = envelope;
}

/** After the routes: a request none of them answered gets the `not_found` envelope. */
export function answerIfUnrouted(ctx: Context, logger: Logger): void {
  // `respond` first: an answer the route wrote itself (most of them) skips Koa's delegated getters.
  if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined) {
    respondWithError(ctx, new GatewayError('not_found', `no route for ${ctx.method} ${ctx.path}`), logger);
  }
}

/** Answers an error thrown by a route with the envelope, never a stack trace; after a stream started, only logs it. */
export function answerThrown(ctx: Context, error: unknown, logger: Logger): void {
  if (ctx.respond === false || ctx.headerSent) {
    // A stream already started; its route ends it. Nothing more can be sent.
    logger.error({ id: requestStateOf(ctx)?.requestId, err: error }, 'error after the response started');
    return;
  }
  respondWithError(ctx, error, logger);
}
