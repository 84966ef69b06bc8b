import type { IncomingHttpHeaders } from 'node:http';
import type { RouteSpec } from '../core/dispatcher.js';
import type { RequestState } from './request-state.js';

/**
 * What a pre-dispatch check sees: the request's state, its headers, its body and where it is
 * going. A check may change the route (governance picks the provider of a bare model and
 * restricts the provider keys) before the dispatcher reads it.
 */
export interface PreDispatchRequest {
  readonly state: RequestState;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readonly<Record<string, unknown>>;
  readonly route: RouteSpec;
}

/**
 * A check run after the body and model are known and before the dispatcher (governance:
 * virtual key, budget, rate limit). Throws a GatewayError to refuse the request; may set
 * `state.principal`.
 */
export interface PreDispatchCheck {
  check(request: PreDispatchRequest): Promise<void>;
}

/** Runs the checks in order; the first to throw refuses the request. */
export async function runPreDispatchChecks(checks: readonly PreDispatchCheck[], request: PreDispatchRequest): Promise<void> {
  for (const check of checks) await check.check(request);
}
