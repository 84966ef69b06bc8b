import type { CounterCheck } from '../hierarchy.js';
import { adjustmentKey, type AdmitOutcome, type CounterAdjustment, type CounterCharge, type CounterReading, type CounterStore } from './counter-store.js';

/** How long settlements gather before they go out as one statement (ms). */
export const DEFAULT_SETTLE_BATCH_MS = 20;

/**
 * Sends settlements in batches: every adjustment made within `batchMs` is merged per counter
 * window and written in one statement. Every governed request of a virtual key updates the same
 * few counter rows, so one statement per request per row serialises the whole cluster on those
 * row locks; merged, a node writes each hot row at most once per batch, whatever its rate.
 * Admissions are not batched: a request limit must see every admission before the next.
 * The delay only makes settled usage visible `batchMs` later; nothing is dropped (a failed
 * batch rejects every caller, whose adjustments the ResilientStore above keeps for later).
 */
export class BatchedSettlements implements CounterStore {
  private batch = new Map<string, CounterAdjustment>();
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly store: CounterStore,
    private readonly batchMs = DEFAULT_SETTLE_BATCH_MS,
  ) {}

  admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    return this.store.admit(charges);
  }

  read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    return this.store.read(checks);
  }

  /** Queues the adjustments for the next batch; resolves once that batch is written. */
  adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    for (const a of adjustments) {
      const key = adjustmentKey(a);
      const existing = this.batch.get(key);
      this.batch.set(key, existing ? { ...existing, delta: existing.delta + a.delta } : { ...a });
    }
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.batchMs);
      // A pending batch must not keep a finished process alive; close() flushes explicitly.
      this.timer.unref();
    }
    return written;
  }

  /** Writes what is gathered, then closes the store under it. */
  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }

  /** Writes the gathered batch (one at a time: the next waits for the one in flight). */
  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    if (this.batch.size === 0 && this.waiters.length === 0) return;
    const rows = [...this.batch.values()];
    const waiters = this.waiters;
    this.batch = new Map();
    this.waiters = [];
    const write = rows.length > 0 ? this.store.adjust(rows) : Promise.resolve();
    this.inFlight = write;
    try {
      await write;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.inFlight = undefined;
    }
  }
}
