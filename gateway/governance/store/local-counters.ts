import type { CounterCheck } from '../hierarchy.js';
import { windowBounds } from '../windows.js';
import { adjustmentKey, type AdmitOutcome, type CounterCharge, type CounterReading } from './counter-store.js';

/**
 * Counters in this node's memory, used only while the shared store is unreachable and the
 * fail mode is "open". Each counter starts from the last usage the store reported for that
 * window, so a node keeps refusing what the cluster had already used up; what it admits is
 * queued by the caller and added to the store when it is back.
 */
export class LocalCounters {
  private readonly used = new Map<string, number>();

  /** Remembers the store's readings, to start from them when the store goes away. */
  remember(charges: readonly CounterCharge[], readings: readonly CounterReading[]): void {
    charges.forEach((charge, index) => {
      const reading = readings[index];
      if (reading) this.used.set(adjustmentKey(charge.check, reading.windowStartMs), reading.used);
    });
    if (this.used.size > 10_000) this.prune(Date.now());
  }

  /** The same rule as the store's admission, on local memory and the local clock. */
  admit(charges: readonly CounterCharge[], nowMs: number): AdmitOutcome {
    const bounds = charges.map((charge) => windowBounds(nowMs, charge.check.window));
    const keys = charges.map((charge, i) => adjustmentKey(charge.check, (bounds[i] as { startMs: number }).startMs));
    const current = keys.map((key) => this.used.get(key) ?? 0);
    const deniedIndex = charges.findIndex((charge, i) => {
      const used = current[i] as number;
      return charge.check.limitKind === 'requests' ? used + charge.amount > charge.check.max : used >= charge.check.max;
    });
    if (deniedIndex < 0) {
      charges.forEach((charge, i) => {
        this.used.set(keys[i] as string, (current[i] as number) + charge.amount);
      });
    }
    return {
      admitted: deniedIndex < 0,
      ...(deniedIndex >= 0 ? { deniedIndex } : {}),
      readings: charges.map((charge, i) => {
        const b = bounds[i] as { startMs: number; endMs: number };
        return { windowStartMs: b.startMs, windowEndMs: b.endMs, used: (current[i] as number) + (deniedIndex < 0 ? charge.amount : 0) };
      }),
      nowMs,
    };
  }

  /** Adds a delta to a window (settlement while the store is away). */
  add(check: CounterCheck, windowStartMs: number, delta: number): void {
    const key = adjustmentKey(check, windowStartMs);
    this.used.set(key, (this.used.get(key) ?? 0) + delta);
  }

  /** The local usage of the current window. */
  read(check: CounterCheck, nowMs: number): CounterReading {
    const b = windowBounds(nowMs, check.window);
    return { windowStartMs: b.startMs, windowEndMs: b.endMs, used: this.used.get(adjustmentKey(check, b.startMs)) ?? 0 };
  }

  private prune(nowMs: number): void {
    // Keys end with the window start; windows older than a day (or a year) are dropped wholesale.
    for (const key of this.used.keys()) if (Number(key.slice(key.lastIndexOf('\u0000') + 1)) < nowMs - 366 * 86_400_000) this.used.delete(key);
  }
}
