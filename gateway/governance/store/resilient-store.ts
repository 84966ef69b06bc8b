import type { Logger } from '../../../shared/logger.js';
import { GatewayError } from '../../core/errors.js';
import type { CounterCheck } from '../hierarchy.js';
import type { GovernanceMetrics } from '../metrics.js';
import { adjustmentKey, type AdmitOutcome, type CounterAdjustment, type CounterCharge, type CounterReading, type CounterStore } from './counter-store.js';
import { LocalCounters } from './local-counters.js';

/** What to do while the shared store is unreachable or slow. */
export type FailMode = 'closed' | 'open';

/** Options of ResilientStore. */
export interface ResilientStoreOptions {
  failMode: FailMode;
  logger: Logger;
  metrics: GovernanceMetrics;
  /** While the store is down, how often a request may try it again (ms). */
  retryMs?: number;
  now?: () => number;
}

/**
 * The shared store with a fail mode. Closed (default): while the store is unreachable every
 * governed request is refused with a 503 and nothing goes upstream. Open: requests are
 * counted in this node's memory and served; the usage is added to the store once it answers
 * again. Either way the change is logged once and shown in metrics, and the node retries the
 * store by itself: no restart needed. Settlements that fail are kept and retried too.
 */
export class ResilientStore implements CounterStore {
  private readonly local = new LocalCounters();
  private readonly pending = new Map<string, CounterAdjustment>();
  private down = false;
  private lastTryMs = 0;
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: CounterStore,
    private readonly options: ResilientStoreOptions,
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.now = options.now ?? Date.now;
    options.metrics.storeUp.set(1);
  }

  /**
   * Admits from headroom the node holds (leases: already charged in the store, so good while
   * it is away too), else through the store, else by the fail mode when it is unreachable.
   */
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    // Not timed, not remembered for the fail-open counters, and no sign the store is up.
    const held = this.store.admitHeld?.(charges);
    if (held) return held;
    if (!this.down || this.now() - this.lastTryMs >= this.retryMs) {
      this.lastTryMs = this.now();
      const stop = this.options.metrics.storeLatency.startTimer();
      try {
        const outcome = await this.store.admit(charges);
        stop();
        await this.markUp();
        this.local.remember(charges, outcome.readings, this.now());
        return outcome;
      } catch (error) {
        this.markDown(error);
      }
    }
    this.options.metrics.storeErrors.inc({ mode: this.options.failMode });
    if (this.options.failMode === 'closed') {
      throw new GatewayError('governance_unavailable', 'the governance store is unreachable; request refused (GOVERNANCE_FAIL_MODE=closed). Retry shortly', {
        retryAfterMs: Math.max(1000, this.retryMs),
      });
    }
    const outcome = this.local.admit(charges, this.now());
    if (outcome.admitted) {
      charges.forEach((charge, i) => {
        this.queue(charge.check, (outcome.readings[i] as CounterReading).windowStartMs, charge.amount);
      });
    }
    return outcome;
  }

  /** Admits from the leases the store holds, with no round trip; undefined when they do not cover the request. */
  admitHeld(charges: readonly CounterCharge[]): AdmitOutcome | undefined {
    return this.store.admitHeld?.(charges);
  }

  /** Settles into the leases the store holds what they cover; returns the rest for `adjust`. */
  settleHeld(adjustments: readonly CounterAdjustment[]): readonly CounterAdjustment[] {
    return this.store.settleHeld ? this.store.settleHeld(adjustments) : adjustments;
  }

  /**
   * Settles through the store; while it is unreachable, kept for later and applied to the local
   * counters at once, so failing open admits by real usage, not by estimates.
   */
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    if (!this.down) {
      try {
        await this.store.adjust(adjustments);
        return;
      } catch (error) {
        this.markDown(error);
      }
    }
    for (const a of adjustments) {
      this.queueAdjustment(a);
      this.local.settle(a);
    }
  }

  /** Reads the store; local usage while it is unreachable. */
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    try {
      const readings = await this.store.read(checks);
      // The store answered: the usage view says so, and what waited for it is sent now.
      await this.markUp();
      return readings;
    } catch (error) {
      this.markDown(error);
      return checks.map((check) => this.local.read(check, this.now()));
    }
  }

  /** Flushes what is pending when the store answers, then closes it. */
  async close(): Promise<void> {
    if (!this.down && this.pending.size > 0) await this.flush().catch(() => undefined);
    await this.store.close();
  }

  /** True while the store is considered unreachable. */
  get isDown(): boolean {
    return this.down;
  }

  private queue(check: CounterCheck, windowStartMs: number, delta: number): void {
    this.queueAdjustment({ scopeKind: check.scopeKind, scopeId: check.scopeId, limitKind: check.limitKind, windowStartMs, delta });
  }

  private queueAdjustment(a: CounterAdjustment): void {
    const key = adjustmentKey(a, a.windowStartMs);
    const existing = this.pending.get(key);
    this.pending.set(key, existing ? { ...existing, delta: existing.delta + a.delta } : { ...a });
    this.options.metrics.pendingAdjustments.set(this.pending.size);
  }

  private markDown(error: unknown): void {
    this.lastTryMs = this.now();
    if (this.down) return;
    this.down = true;
    this.options.metrics.storeUp.set(0);
    const err = error as NodeJS.ErrnoException;
    this.options.logger.error(
      { event: 'governance-store-down', fail_mode: this.options.failMode, err: { message: err.message, code: err.code } },
      this.options.failMode === 'closed'
        ? 'governance store unreachable: refusing governed requests with 503 until it answers'
        : 'governance store unreachable: serving and counting locally until it answers',
    );
  }

  private async markUp(): Promise<void> {
    if (!this.down && this.pending.size === 0) return;
    const wasDown = this.down;
    this.down = false;
    this.options.metrics.storeUp.set(1);
    const count = this.pending.size;
    await this.flush().catch((error: unknown) => this.markDown(error));
    if (wasDown)
      this.options.logger.info({ event: 'governance-store-up', reconciled: count }, `governance store reachable again; ${count} counter correction(s) added`);
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.store.adjust(batch);
    } catch (error) {
      for (const a of batch) this.queueAdjustment(a);
      throw error;
    } finally {
      this.options.metrics.pendingAdjustments.set(this.pending.size);
    }
  }
}
