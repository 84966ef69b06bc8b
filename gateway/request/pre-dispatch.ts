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
 * virtual key, budget, rate limit). Refuses the request by throwing or rejecting with a
 * GatewayError; may set `state.principal`. Returns nothing when it decided at once (no
 * promise on the request path), a promise when it must wait (a store's answer).
 */
export interface PreDispatchCheck {
  check(request: PreDispatchRequest): void | Promise<void>;
}

/**
 * Runs the checks in order; the first to refuse refuses the request (thrown synchronously, or a
 * rejected promise once a check had to wait). Returns a promise only when a check returned one.
 */
export function runPreDispatchChecks(checks: readonly PreDispatchCheck[], request: PreDispatchRequest, from = 0): void | Promise<void> {
  for (let i = from; i < checks.length; i += 1) {
    const pending = (checks[i] as PreDispatchCheck).check(request);
    if (pending) return pending.then(() => runPreDispatchChecks(checks, request, i + 1));
  }
}
