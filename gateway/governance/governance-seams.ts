import type { IncomingHttpHeaders } from 'node:http';
import type { Admission, Governor } from './governor.js';

/**
 * Governance as the request lifecycle's two seams: a pre-dispatch check (after the body and
 * model are known, before the dispatcher) and an outcome sink (once the response closed).
 * The check notes the request's principal; the sink finds the admission again through that
 * same principal object and settles its reservations with the usage the outcome reports.
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

/** The pre-dispatch check and the outcome sink of one governor. */
export class GovernanceSeams {
  private readonly admissions = new WeakMap<object, Admission>();

  constructor(private readonly governor: Governor) {}

  /** Pre-dispatch: refuses (throws a GatewayError) or admits, noting the principal and rewriting the route. */
  readonly check = {
    check: async (request: GovernedRequest): Promise<void> => {
      const admission = await this.governor.check({
        headers: request.headers,
        model: request.route.model,
        ...(request.route.fallbacks ? { fallbacks: request.route.fallbacks } : {}),
        body: request.body,
        embeddings: request.route.capability === 'embeddings',
      });
      if (!admission) return;
      request.route.model = admission.model;
      if (admission.allowedKeys) request.route.allowedKeys = admission.allowedKeys;
      const p = admission.principal;
      const principal: GovernancePrincipal = {
        virtualKey: p.virtualKeyId,
        virtualKeyName: p.virtualKeyName,
        ...(p.teamId ? { team: p.teamId } : {}),
        ...(p.customerId ? { customer: p.customerId } : {}),
      };
      this.admissions.set(principal, admission);
      request.state.principal = principal;
    },
  };

  /** Outcome sink: settles the admission's reservations off the request path (never throws, never waits). */
  readonly sink = {
    record: (outcome: GovernedOutcome): void => {
      if (typeof outcome.principal !== 'object' || outcome.principal === null) return;
      const admission = this.admissions.get(outcome.principal);
      if (!admission) return;
      this.admissions.delete(outcome.principal);
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
