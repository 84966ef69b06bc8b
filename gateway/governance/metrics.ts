import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CounterCheck } from './hierarchy.js';
import { counterKey } from './store/counter-store.js';

/** A counter's labels and its latest usage. */
interface UsageEntry {
  readonly labels: Record<'scope_kind' | 'scope_id' | 'limit_kind', string>;
  used: number;
}

/**
 * Governance metrics, on the node's registry. Label values are ids from config.json and
 * error codes from the catalogue only (never a key value, never a client-chosen string),
 * so the series stay bounded.
 */
export class GovernanceMetrics {
  /** Requests refused, by reason (virtual_key_required, request_limited, budget_exceeded, ...). */
  readonly denials: Counter<'reason'>;
  /** Usage of the current window as last seen by this node, headroom leased to nodes included. */
  readonly usage: Gauge<'scope_kind' | 'scope_id' | 'limit_kind'>;
  /** Configured limits. */
  readonly limit: Gauge<'scope_kind' | 'scope_id' | 'limit_kind'>;
  /** 1 while the shared store answers, 0 while it does not. */
  readonly storeUp: Gauge;
  /** Store calls that failed, by what the node did about it (closed: refused, open: served). */
  readonly storeErrors: Counter<'mode'>;
  /** Time to admit a governed request: a round trip to the store, or next to none from a lease. */
  readonly storeLatency: Histogram;
  /** Counter corrections waiting for the store (fail-open usage, settlements). */
  readonly pendingAdjustments: Gauge;
  /** Requests answered by a model with no price: charged $0 to budgets. */
  readonly unpriced: Counter<'provider' | 'model'>;

  /** The latest reading of each counter, published as `usage` at each scrape. Bounded: the counters come from config.json. */
  private readonly latestUsage = new Map<string, UsageEntry>();
  /**
   * Each counter object's entry of latestUsage. A node keeps its counter objects for its life
   * (Governor.countersOf), so a governed request finds its entries with no key built.
   */
  private readonly entries = new WeakMap<object, UsageEntry>();

  /** Notes a counter's usage as this node last saw it (admissions, usage reports). */
  noteUsage(counter: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>, used: number): void {
    let entry = this.entries.get(counter);
    if (!entry) {
      const key = counterKey(counter);
      entry = this.latestUsage.get(key);
      if (!entry) {
        entry = { labels: { scope_kind: counter.scopeKind, scope_id: counter.scopeId, limit_kind: counter.limitKind }, used };
        this.latestUsage.set(key, entry);
      }
      this.entries.set(counter, entry);
    }
    entry.used = used;
  }

  constructor(registry: Registry) {
    const registers = [registry];
    this.denials = new Counter({ name: 'governance_denials_total', help: 'Requests refused by governance, by reason', labelNames: ['reason'], registers });
    const latestUsage = this.latestUsage;
    this.usage = new Gauge({
      name: 'governance_usage',
      help: 'Usage of the current window (requests, tokens or USD) as last seen by this node, headroom leased to nodes included',
      labelNames: ['scope_kind', 'scope_id', 'limit_kind'],
      registers,
      // Set when scraped, from the latest readings: per request it would cost a label
      // validation and lookup per counter (it showed in a governed node's profile).
      collect() {
        for (const { labels, used } of latestUsage.values()) this.set(labels, used);
      },
    });
    this.limit = new Gauge({
      name: 'governance_limit',
      help: 'Configured limit per window (requests, tokens or USD)',
      labelNames: ['scope_kind', 'scope_id', 'limit_kind'],
      registers,
    });
    this.storeUp = new Gauge({ name: 'governance_store_up', help: '1 while the governance store answers', registers });
    this.storeErrors = new Counter({
      name: 'governance_store_errors_total',
      help: 'Governance store calls that failed, by fail mode',
      labelNames: ['mode'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: 'governance_store_admit_seconds',
      help: 'Time to admit one governed request: a round trip to the governance store, or next to none from a lease',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.pendingAdjustments = new Gauge({ name: 'governance_pending_adjustments', help: 'Counter corrections waiting for the governance store', registers });
    this.unpriced = new Counter({
      name: 'governance_unpriced_requests_total',
      help: 'Requests whose model has no price: charged 0 USD to budgets',
      labelNames: ['provider', 'model'],
      registers,
    });
  }
}
