import type { IncomingHttpHeaders } from 'node:http';
import type { Admission, Governor } from './governor.js';

/**
 * Governance as the request lifecycle's two seams: a pre-dispatch check (after the body and
 * model are known, before the dispatcher) and an outcome sink (once the response closed).
 * The check notes the request's principal, which carries the admission; the sink takes it back
 * from that same principal object and settles its reservations with the usage the outcome reports.
 */

/** The principal governance notes on a request: ids from config.json only. */
export interface GovernancePrincipal {
  readonly virtualKey: string;
  readonly virtualKeyName: string;
  readonly team?: string;
  readonly customer?: string;
  readonly [field: string]: unknown;
}

/** What the check reads and may change: the route's model (a provider chosen by weight) and the keys allowed. */
export interface GovernedRequest {
  readonly state: { principal?: unknown };
  readonly headers: IncomingHttpHeaders;
  readonly body: Readonly<Record<string, unknown>>;
  readonly route: { model: string; fallbacks?: string[] | undefined; capability: string; allowedKeys?: ReadonlyMap<string, ReadonlySet<string>> | undefined };
}

/** What the sink reads from a request's outcome. */
export interface GovernedOutcome {
  readonly principal: unknown;
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly succeeded: boolean;
  /** When the first streamed chunk went out (undefined: nothing streamed). */
  readonly firstChunkMs: number | undefined;
}

/**
 * The principal of one admitted request. It carries its admission privately (not enumerable,
 * never serialised), so the sink finds it with no lookup table, and settles it at most once.
 */
class AdmittedPrincipal implements GovernancePrincipal {
  readonly [field: string]: unknown;
  readonly virtualKey: string;
  readonly virtualKeyName: string;
  // Declared, not defined: a principal without a team or customer has no such field at all.
  declare readonly team?: string;
  declare readonly customer?: string;
  #admission: Admission | undefined;

  constructor(admission: Admission) {
    const p = admission.principal;
    this.virtualKey = p.virtualKeyId;
    this.virtualKeyName = p.virtualKeyName;
    if (p.teamId) this.team = p.teamId;
    if (p.customerId) this.customer = p.customerId;
    this.#admission = admission;
  }

  /** The admission to settle; undefined once taken. */
  take(): Admission | undefined {
    const admission = this.#admission;
    this.#admission = undefined;
    return admission;
  }
}

/** The pre-dispatch check and the outcome sink of one governor. */
export class GovernanceSeams {
  constructor(private readonly governor: Governor) {}

  /**
   * Pre-dispatch: refuses (rejects with a GatewayError) or admits, noting the principal and
   * rewriting the route. Synchronous when the governor answers from the node's leases.
   */
  readonly check = {
    check: (request: GovernedRequest): void | Promise<void> => {
      const route = request.route;
      const admitted = this.governor.check({
        headers: request.headers,
        model: route.model,
        ...(route.fallbacks ? { fallbacks: route.fallbacks } : {}),
        body: request.body,
        embeddings: route.capability === 'embeddings',
      });
      if (admitted instanceof Promise) return admitted.then((admission) => admit(request, admission));
      admit(request, admitted);
    },
  };

  /** Outcome sink: settles the admission's reservations off the request path (never throws, never waits). */
  readonly sink = {
    record: (outcome: GovernedOutcome): void => {
      if (!(outcome.principal instanceof AdmittedPrincipal)) return;
      const admission = outcome.principal.take();
      if (!admission) return;
      if (outcome.inputTokens > 0 || outcome.outputTokens > 0) {
        void this.governor.settle(admission, {
          provider: outcome.provider,
          model: outcome.model,
          promptTokens: outcome.inputTokens,
          completionTokens: outcome.outputTokens,
        });
      } else if (!outcome.succeeded && outcome.firstChunkMs === undefined) {
        // Failed before any answer: give the reservation back.
        void this.governor.settle(admission, undefined);
      }
      // Answered without a usage report (a stream without include_usage, a stream cut short):
      // the provider did the work, so the reservation stays as the charge.
    },
  };
}

/** Applies an admission to the request: the model to dispatch, the keys allowed, the principal. */
function admit(request: GovernedRequest, admission: Admission | undefined): void {
  if (!admission) return;
  request.route.model = admission.model;
  if (admission.allowedKeys) request.route.allowedKeys = admission.allowedKeys;
  request.state.principal = new AdmittedPrincipal(admission);
}
