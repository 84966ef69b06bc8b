import type { IncomingHttpHeaders } from 'node:http';
import type { GovernanceSettings, VirtualKeySettings } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { GatewayError } from '../core/errors.js';
import { decideAccess, findUsableKey, indexKeys, type AccessDecision } from './access.js';
import { denialError } from './denial.js';
import { estimateUsage } from './estimate.js';
import { extractVirtualKey } from './extract-virtual-key.js';
import { collectCounters, type CounterCheck } from './hierarchy.js';
import type { GovernanceMetrics } from './metrics.js';
import { costOf, findPrice, type PriceTable } from './prices.js';
import type { CounterCharge, CounterStore } from './store/counter-store.js';

/** Who a governed request is charged to (the `principal` of the request's outcome). */
export interface Principal {
  virtualKeyId: string;
  virtualKeyName: string;
  teamId?: string;
  customerId?: string;
}

/** What the route knows when governance runs: after the body, before the dispatcher. */
export interface GovernanceInput {
  headers: IncomingHttpHeaders;
  /** The model as the client wrote it ("provider/model", or bare). */
  model: string;
  fallbacks?: readonly string[];
  body: Record<string, unknown>;
  embeddings?: boolean;
}

/** An admitted governed request: what to dispatch, and what to settle after the response. */
export interface Admission {
  principal: Principal;
  /** "provider/model" to dispatch. */
  model: string;
  /** Per provider, the provider keys the dispatcher may use (`key_ids`); a provider not listed: any. */
  allowedKeys?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Token and dollar reservations, settled against the real usage. */
  reservations: { check: CounterCheck; windowStartMs: number; amount: number }[];
}

/** The usage a response reported, by the provider and model that answered. */
export interface SettledUsage {
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** What the governor runs on. */
export interface GovernorDeps {
  /** Undefined when no limit is configured (auth and restrictions need no store). */
  store?: CounterStore;
  metrics: GovernanceMetrics;
  logger: Logger;
  prices: PriceTable;
  random?: () => number;
  now?: () => number;
}

/**
 * The governance check and settlement. `check` runs once per inference request before
 * dispatch: finds the virtual key, applies its restrictions, and checks and charges every
 * counter of the hierarchy in one store round trip (requests counted, tokens and dollars
 * reserved from an estimate). `settle` corrects the reservations with the real usage, off
 * the request path.
 */
export class Governor {
  private readonly keys: Map<string, VirtualKeySettings>;
  private readonly unpricedLogged = new Set<string>();
  /**
   * Counters per virtual key and provider config: they depend on config.json alone, which a
   * node never changes while it runs, so they are collected once instead of per request.
   */
  private readonly countersByKey = new WeakMap<VirtualKeySettings, Map<AccessDecision['providerConfig'], readonly CounterCheck[]>>();
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    readonly settings: GovernanceSettings,
    private readonly deps: GovernorDeps,
  ) {
    this.keys = indexKeys(settings);
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
  }

  /** Admits a request or throws the denial; undefined for a request with no key where keys are optional. */
  async check(input: GovernanceInput): Promise<Admission | undefined> {
    try {
      return await this.admit(input);
    } catch (error) {
      if (error instanceof GatewayError) this.deps.metrics.denials.inc({ reason: error.code });
      throw error;
    }
  }

  /** Corrects the reservations of an admission with the real usage (none: the request failed). */
  settle(admission: Admission, usage: SettledUsage | undefined): Promise<void> {
    if (admission.reservations.length === 0 || !this.deps.store) return Promise.resolve();
    const tokens = usage ? usage.promptTokens + usage.completionTokens : 0;
    const cost = usage ? this.costOf(usage) : 0;
    const adjustments = admission.reservations.map((r) => ({
      scopeKind: r.check.scopeKind,
      scopeId: r.check.scopeId,
      limitKind: r.check.limitKind,
      windowStartMs: r.windowStartMs,
      delta: (r.check.limitKind === 'tokens' ? tokens : cost) - r.amount,
    }));
    return this.deps.store.adjust(adjustments).catch((error: unknown) => {
      this.deps.logger.warn({ event: 'governance-settle-failed', err: { message: (error as Error).message } }, 'governance settlement failed');
    });
  }

  private async admit(input: GovernanceInput): Promise<Admission | undefined> {
    const value = extractVirtualKey(input.headers);
    if (value === undefined) {
      if (this.settings.vkMandatory) throw new GatewayError('virtual_key_required', 'virtual key is required. Provide a virtual key via the x-bf-vk header.');
      return undefined;
    }
    const key = findUsableKey(this.keys, value, this.now());
    const decision = decideAccess(this.settings, key, input.model, this.random);
    const decisions = [decision, ...(input.fallbacks ?? []).map((fallback) => decideAccess(this.settings, key, fallback, this.random))];
    const allowedKeys = new Map(decisions.flatMap((d) => (d.allowedKeyNames ? [[d.provider, d.allowedKeyNames] as const] : [])));
    const team = key.teamId === undefined ? undefined : this.settings.teams.get(key.teamId);
    const customerId = key.customerId ?? team?.customerId;
    const principal: Principal = {
      virtualKeyId: key.id,
      virtualKeyName: key.name,
      ...(key.teamId ? { teamId: key.teamId } : {}),
      ...(customerId ? { customerId } : {}),
    };
    const admission: Admission = { principal, model: decision.model, ...(allowedKeys.size > 0 ? { allowedKeys } : {}), reservations: [] };

    const counters = this.countersOf(decision);
    if (counters.length === 0 || !this.deps.store) return admission;
    const estimate = estimateUsage(input.body, input.embeddings === true);
    const model = decision.model.slice(decision.provider.length + 1);
    const estimatedCost = costOf(findPrice(this.deps.prices, decision.provider, model), estimate.promptTokens, estimate.completionTokens);
    const charges: CounterCharge[] = counters.map((check) => ({
      check,
      amount: check.limitKind === 'requests' ? 1 : check.limitKind === 'tokens' ? estimate.promptTokens + estimate.completionTokens : estimatedCost,
    }));
    const outcome = await this.deps.store.admit(charges);
    charges.forEach((charge, i) => {
      const reading = outcome.readings[i];
      if (reading) this.deps.metrics.noteUsage(charge.check, reading.used);
    });
    if (!outcome.admitted) {
      const index = outcome.deniedIndex ?? 0;
      throw denialError(counters[index] as CounterCheck, outcome.readings[index] as NonNullable<(typeof outcome.readings)[number]>, outcome.nowMs);
    }
    charges.forEach((charge, i) => {
      if (charge.check.limitKind === 'requests') return;
      admission.reservations.push({
        check: charge.check,
        windowStartMs: (outcome.readings[i] as { windowStartMs: number }).windowStartMs,
        amount: charge.amount,
      });
    });
    return admission;
  }

  private countersOf(decision: AccessDecision): readonly CounterCheck[] {
    let byConfig = this.countersByKey.get(decision.key);
    if (!byConfig) {
      byConfig = new Map();
      this.countersByKey.set(decision.key, byConfig);
    }
    let counters = byConfig.get(decision.providerConfig);
    if (!counters) {
      counters = collectCounters(this.settings, decision);
      byConfig.set(decision.providerConfig, counters);
    }
    return counters;
  }

  private costOf(usage: SettledUsage): number {
    const price = findPrice(this.deps.prices, usage.provider, usage.model);
    if (!price) {
      this.deps.metrics.unpriced.inc({ provider: usage.provider, model: usage.model });
      const name = `${usage.provider}/${usage.model}`;
      if (!this.unpricedLogged.has(name)) {
        this.unpricedLogged.add(name);
        this.deps.logger.warn(
          { event: 'governance-model-unpriced', provider: usage.provider, model: usage.model, prices: this.deps.prices.source },
          `no price for ${name}: its requests cost $0 against budgets`,
        );
      }
    }
    return costOf(price, usage.promptTokens, usage.completionTokens);
  }
}
