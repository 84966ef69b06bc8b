import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../app-deps.js';
import { setRequestState, type RequestState } from '../../request/request-state.js';

const REQUEST_ID_PATTERN = /^[\w.:@/+=-]{1,200}$/;

/**
 * Outermost middleware: gives every request an id (the client's `x-request-id` when sane,
 * or a new UUID), stamps `x-request-id` and `x-gateway-node` on the response, and when the
 * response is over writes ONE log line and the HTTP metrics. No bodies, no keys are logged.
 */
export function createRequestContextMiddleware(deps: AppDeps) {
  const { lifecycle, nodeName } = deps;
  return async function requestContext(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.get('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const state: RequestState = { requestId, startedAt: performance.now(), provider: '', model: '' };
    setRequestState(ctx, state);
    ctx.set('x-request-id', requestId);
    ctx.set('x-gateway-node', nodeName);
    // Recorded when the response has been handed to the socket (or the client left), not before
    // Koa writes it: the log line and metrics then cost the client nothing, and the duration
    // covers the whole response, streams included.
    ctx.res.once('close', () => recordRequest(ctx, state, deps));
    await next();
    // A request accepted before the drain began still answers with Connection: close, so
    // the load balancer does not reuse a socket this node is about to close.
    if (lifecycle.draining && !ctx.headerSent) ctx.set('connection', 'close');
  };
}

/** Writes the request's access-log line and HTTP metrics. */
function recordRequest(ctx: Context, state: RequestState, deps: AppDeps): void {
  const { logger, metrics, config } = deps;
  const status = ctx.respond === false || ctx.headerSent ? ctx.res.statusCode : ctx.status;
  const seconds = (performance.now() - state.startedAt) / 1000;
  const path = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
  // Only configured providers become label values: a client naming random providers must
  // not grow the metric series without bound.
  const known = state.provider !== '' && config.providers.has(state.provider);
  const labels = { path: String(path), method: ctx.method, status: String(status), provider: known ? state.provider : '', model: known ? state.model : '' };
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, seconds);
  // Probes and scrapes arrive every few seconds from Docker, the reloader and Prometheus:
  // logged at debug so that info shows traffic.
  const probe = path === '/health' || path === '/metrics';
  if (probe && !logger.isLevelEnabled('debug')) return;
  logger[probe ? 'debug' : 'info']({
    id: state.requestId,
    method: ctx.method,
    path: ctx.path,
    status,
    provider: state.provider || undefined,
    model: state.model || undefined,
    latency_ms: Math.round(seconds * 10_000) / 10,
    attempts: state.attempts,
    fallback: state.fallbackIndex ? state.fallbackIndex : undefined,
    error: state.errorCode,
    // 'close' before the response finished: the client left.
    client_gone: !ctx.res.writableFinished || undefined,
  });
}
