import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../app-deps.js';
import { setRequestState, requestStateOf } from '../request-state.js';

const REQUEST_ID_PATTERN = /^[\w.:@/+=-]{1,200}$/;

/**
 * Outermost middleware: gives every request an id (the client's `x-request-id` when sane,
 * or a new UUID), stamps `x-request-id` and `x-gateway-node` on the response, and when the
 * response is over writes ONE log line and the HTTP metrics. No bodies, no keys are logged.
 */
export function createRequestContextMiddleware(deps: AppDeps) {
  const { logger, metrics, nodeName, config, lifecycle } = deps;
  return async function requestContext(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.get('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const startedAt = performance.now();
    setRequestState(ctx, { requestId, startedAt, provider: '', model: '' });
    ctx.set('x-request-id', requestId);
    ctx.set('x-gateway-node', nodeName);
    try {
      await next();
      // A request accepted before the drain began still answers with Connection: close, so
      // the load balancer does not reuse a socket this node is about to close.
      if (lifecycle.draining && !ctx.headerSent) ctx.set('connection', 'close');
    } finally {
      const state = requestStateOf(ctx);
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      const seconds = (performance.now() - startedAt) / 1000;
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
      if (!probe || logger.isLevelEnabled('debug')) {
        logger[probe ? 'debug' : 'info']({
          id: requestId,
          method: ctx.method,
          path: ctx.path,
          status,
          provider: state.provider || undefined,
          model: state.model || undefined,
          latency_ms: Math.round(seconds * 10_000) / 10,
          attempts: state.attempts,
          fallback: state.fallbackIndex ? state.fallbackIndex : undefined,
          error: state.errorCode,
          client_gone: state.clientGone || undefined,
        });
      }
    }
  };
}
