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
import type { AdmitOutcome, CounterCharge, CounterReading, CounterStore } from './store/counter-store.js';

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
  /** Shared by every admission of the same virtual key: not to be changed. */
  principal: Readonly<Principal>;
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
  private readonly principals = new WeakMap<VirtualKeySettings, Principal>();
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

  /**
   * Admits a request, or rejects with the denial; undefined for a request with no key where
   * keys are optional. Answered synchronously when the leases this node holds cover every
   * counter (the common case on a busy node: no promise, no await on the request path), a
   * promise when the store must answer. A denial is always a rejected promise, never a throw.
   */
  check(input: GovernanceInput): Admission | undefined | Promise<Admission | undefined> {
    try {
      const admitted = this.admit(input);
      return admitted instanceof Promise ? admitted.catch(this.noteDenial) : admitted;
    } catch (error) {
      return Promise.reject(error).catch(this.noteDenial);
    }
  }

  /**
   * Corrects the reservations of an admission with the real usage (none: the request failed).
   * What the node's leases cover settles at once, in memory; only the rest waits for the store.
   */
  settle(admission: Admission, usage: SettledUsage | undefined): Promise<void> | undefined {
    const store = this.deps.store;
    if (admission.reservations.length === 0 || !store) return undefined;
    const tokens = usage ? usage.promptTokens + usage.completionTokens : 0;
    const cost = usage ? this.costOf(usage) : 0;
    const adjustments = admission.reservations.map((r) => ({
      scopeKind: r.check.scopeKind,
      scopeId: r.check.scopeId,
      limitKind: r.check.limitKind,
      windowStartMs: r.windowStartMs,
      delta: (r.check.limitKind === 'tokens' ? tokens : cost) - r.amount,
    }));
    const rest = store.settleHeld ? store.settleHeld(adjustments) : adjustments;
    if (rest.length === 0) return undefined;
    return store.adjust(rest).catch(this.noteSettleFailure);
  }

  private readonly noteDenial = (error: unknown): never => {
    if (error instanceof GatewayError) this.deps.metrics.denials.inc({ reason: error.code });
    throw error;
  };

  private readonly noteSettleFailure = (error: unknown): void => {
    this.deps.logger.warn({ event: 'governance-settle-failed', err: { message: (error as Error).message } }, 'governance settlement failed');
  };

  /** The access checks, then the counters: from the leases when they cover them, else through the store. */
  private admit(input: GovernanceInput): Admission | undefined | Promise<Admission> {
    const value = extractVirtualKey(input.headers);
    if (value === undefined) {
      if (this.settings.vkMandatory) throw new GatewayError('virtual_key_required', 'virtual key is required. Provide a virtual key via the x-bf-vk header.');
      return undefined;
    }
    const key = findUsableKey(this.keys, value, this.now());
    const decision = decideAccess(this.settings, key, input.model, this.random);
    const allowedKeys = this.allowedKeysOf(decision, key, input.fallbacks);
    const principal = this.principalOf(key);
    // Two literals rather than a conditional spread, which copies through a runtime call.
    const admission: Admission = allowedKeys
      ? { principal, model: decision.model, allowedKeys, reservations: [] }
      : { principal, model: decision.model, reservations: [] };

    const store = this.deps.store;
    const counters = this.countersOf(decision);
    if (counters.length === 0 || !store) return admission;
    const charges = this.chargesOf(counters, decision, input);
    const held = store.admitHeld?.(charges);
    if (held) return this.admitted(admission, charges, held);
    return store.admit(charges).then((outcome) => this.admitted(admission, charges, outcome));
  }

  /** Each counter's charge: a request, or the estimated tokens or dollars. */
  private chargesOf(counters: readonly CounterCheck[], decision: AccessDecision, input: GovernanceInput): CounterCharge[] {
    const estimate = estimateUsage(input.body, input.embeddings === true);
    const tokens = estimate.promptTokens + estimate.completionTokens;
    let dollars: number | undefined;
    return counters.map((check) => {
      if (check.limitKind === 'requests') return { check, amount: 1 };
      if (check.limitKind === 'tokens') return { check, amount: tokens };
      dollars ??= costOf(
        findPrice(this.deps.prices, decision.provider, decision.model.slice(decision.provider.length + 1)),
        estimate.promptTokens,
        estimate.completionTokens,
      );
      return { check, amount: dollars };
    });
  }

  /** The store's answer to the charges: the admission with its reservations, or the denial thrown. */
  private admitted(admission: Admission, charges: readonly CounterCharge[], outcome: AdmitOutcome): Admission {
    const readings = outcome.readings;
    for (let i = 0; i < charges.length; i += 1) {
      const reading = readings[i];
      if (reading) this.deps.metrics.noteUsage((charges[i] as CounterCharge).check, reading.used);
    }
    if (!outcome.admitted) {
      const index = outcome.deniedIndex ?? 0;
      throw denialError((charges[index] as CounterCharge).check, readings[index] as CounterReading, outcome.nowMs);
    }
    for (let i = 0; i < charges.length; i += 1) {
      const charge = charges[i] as CounterCharge;
      if (charge.check.limitKind === 'requests') continue;
      admission.reservations.push({ check: charge.check, windowStartMs: (readings[i] as CounterReading).windowStartMs, amount: charge.amount });
    }
    return admission;
  }

  /** Per provider the request may reach (its model and fallbacks), the provider keys the key allows; undefined: any. */
  private allowedKeysOf(
    decision: AccessDecision,
    key: VirtualKeySettings,
    fallbacks: readonly string[] | undefined,
  ): ReadonlyMap<string, ReadonlySet<string>> | undefined {
    let allowed: Map<string, ReadonlySet<string>> | undefined;
    if (decision.allowedKeyNames) allowed = new Map([[decision.provider, decision.allowedKeyNames]]);
    for (const fallback of fallbacks ?? []) {
      const other = decideAccess(this.settings, key, fallback, this.random);
      if (other.allowedKeyNames) (allowed ??= new Map()).set(other.provider, other.allowedKeyNames);
    }
    return allowed;
  }

  /** Who a key's requests are charged to: the same for each of its requests, so built once. */
  private principalOf(key: VirtualKeySettings): Principal {
    let principal = this.principals.get(key);
    if (!principal) {
      const team = key.teamId === undefined ? undefined : this.settings.teams.get(key.teamId);
      const customerId = key.customerId ?? team?.customerId;
      principal = Object.freeze({
        virtualKeyId: key.id,
        virtualKeyName: key.name,
        ...(key.teamId ? { teamId: key.teamId } : {}),
        ...(customerId ? { customerId } : {}),
      });
      this.principals.set(key, principal);
    }
    return principal;
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
