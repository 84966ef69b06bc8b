import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { emitOutcome } from '../../request/lifecycle.js';
import { toOutcome } from '../../request/outcome.js';
import { createRequestState, setRequestState, type RequestState } from '../../request/request-state.js';
import type { AppDeps } from '../app-deps.js';
import { createCorsStep } from './cors.js';
import { createDrainStep } from './drain-gate.js';
import { answerIfUnrouted, answerThrown } from './error-handler.js';

const CLIENT_CLOSED_STATUS = 499;
const REQUEST_ID_PATTERN = /^[\w.:@/+=-]{1,200}$/;

/**
 * The node's one middleware before the routes (one instead of four: each Koa middleware is an
 * async frame and a dispatch per request). In order, it gives every request an id (the
 * client's `x-request-id` when sane, or a new UUID) and its state, stamps `x-request-id` and
 * `x-gateway-node` on the response, applies CORS (answering preflights), refuses new work
 * while draining, runs the routes, and answers what they threw or did not route with Bifrost's
 * error envelope. When the response is over it emits the request's ONE outcome to the sinks.
 */
export function createRequestContextMiddleware(deps: AppDeps) {
  const { lifecycle, nodeName, logger } = deps;
  const applyCors = createCorsStep(deps.config.client.allowed_origins);
  const gateWhileDraining = createDrainStep(lifecycle, logger, deps.drainMode);
  return async function requestContext(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const state = createRequestState(requestId, performance.now());
    setRequestState(ctx, state);
    // Node's own setHeader (which validates): Koa's ctx.set builds arrays of entries for each
    // call, a few µs a request on the hot path for two constant-shaped headers.
    ctx.res.setHeader('x-request-id', requestId);
    ctx.res.setHeader('x-gateway-node', nodeName);
    // Emitted when the response has been handed to the socket (or the client left), not before
    // Koa writes it: the sinks then cost the client nothing, and the duration covers the
    // whole response, streams included.
    ctx.res.once('close', () => {
      try {
        closeRequest(ctx, state, deps);
      } finally {
        state.onClose?.();
      }
    });
    try {
      if (!applyCors(ctx) && !gateWhileDraining(ctx)) {
        await next();
        answerIfUnrouted(ctx, logger);
      }
    } catch (error) {
      answerThrown(ctx, error, logger);
    }
    // A request accepted before the drain began still answers with Connection: close, so
    // the load balancer does not reuse a socket this node is about to close. (Inference's
    // JSON answers are sent before this point and say so themselves: see endWithJson.)
    if (lifecycle.draining && !ctx.headerSent) ctx.set('connection', 'close');
  };
}

/** The lifecycle's last phase: the outcome, to every sink. */
function closeRequest(ctx: Context, state: RequestState, deps: AppDeps): void {
  // A client that left before any answer gets none: 499 (nginx's "client closed request"),
  // not Koa's default 404 for a response never set.
  const status = ctx.res.headersSent
    ? ctx.res.statusCode
    : !ctx.res.writableFinished
      ? CLIENT_CLOSED_STATUS
      : ctx.respond === false
        ? ctx.res.statusCode
        : ctx.status;
  const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
  const outcome = toOutcome(state, ctx.res, { method: ctx.method, path: ctx.path, route: String(route), status, closedAt: performance.now() });
  emitOutcome(deps.outcomeSinks, outcome, deps.logger);
}
