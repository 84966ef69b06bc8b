import type { Context } from 'koa';

/** Per-request facts the middleware and routes share (for the access log and metrics). */
export interface RequestState {
  requestId: string;
  /** performance.now() at arrival. */
  startedAt: number;
  /** Set by inference routes once the model is known; the provider that answered wins. */
  provider: string;
  model: string;
  /** Upstream attempts used (retries included) and the fallback used, for the log line. */
  attempts?: number;
  fallbackIndex?: number;
  /** The error code of a failed request, for the log line. */
  errorCode?: string;
}

const STATE_KEY = 'gateway';

/** The request's shared state, created by the request-context middleware. */
export function requestStateOf(ctx: Context): RequestState {
  return (ctx.state as Record<string, RequestState>)[STATE_KEY] as RequestState;
}

/** Installs the request's shared state. */
export function setRequestState(ctx: Context, state: RequestState): void {
  (ctx.state as Record<string, RequestState>)[STATE_KEY] = state;
}
