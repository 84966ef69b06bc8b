import type { CounterCheck } from '../hierarchy.js';
import { windowBounds } from '../windows.js';
import { adjustmentKey, type AdmitOutcome, type CounterAdjustment, type CounterCharge, type CounterReading } from './counter-store.js';

/** A counter window held in memory: its usage, and when it ends (to drop it once it has). */
interface HeldWindow {
  used: number;
  endMs: number;
}

/** Below this many windows the counters never look for ended ones. */
const PRUNE_FLOOR = 10_000;

/**
 * Counters in this node's memory, used only while the shared store is unreachable and the
 * fail mode is "open". Each counter starts from the last usage the store reported for that
 * window, so a node keeps refusing what the cluster had already used up; what it admits is
 * queued by the caller and added to the store when it is back.
 */
export class LocalCounters {
  private readonly windows = new Map<string, HeldWindow>();
  /**
   * The size at which ended windows are next dropped. It doubles past what a sweep leaves, so a
   * cluster with more live counters than the floor pays for a sweep now and then, not on every
   * request (each sweep walks every window).
   */
  private pruneAt = PRUNE_FLOOR;

  /** Remembers the store's readings, to start from them when the store goes away. */
  remember(charges: readonly CounterCharge[], readings: readonly CounterReading[], nowMs: number): void {
    charges.forEach((charge, index) => {
      const reading = readings[index];
      if (reading) this.windows.set(adjustmentKey(charge.check, reading.windowStartMs), { used: reading.used, endMs: reading.windowEndMs });
    });
    if (this.windows.size > this.pruneAt) this.dropEnded(nowMs);
  }

  /** The same rule as the store's admission, on local memory and the local clock. */
  admit(charges: readonly CounterCharge[], nowMs: number): AdmitOutcome {
    const bounds = charges.map((charge) => windowBounds(nowMs, charge.check.window));
    const keys = charges.map((charge, i) => adjustmentKey(charge.check, (bounds[i] as { startMs: number }).startMs));
    const current = keys.map((key) => this.windows.get(key)?.used ?? 0);
    const deniedIndex = charges.findIndex((charge, i) => {
      const used = current[i] as number;
      return charge.check.limitKind === 'requests' ? used + charge.amount > charge.check.max : used >= charge.check.max;
    });
    if (deniedIndex < 0) {
      charges.forEach((charge, i) => {
        this.windows.set(keys[i] as string, { used: (current[i] as number) + charge.amount, endMs: (bounds[i] as { endMs: number }).endMs });
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

  /**
   * Corrects a window by a settlement made while the store is away: the real usage minus the
   * estimate reserved, so the next admission sees what requests really used. A window not held
   * here (ended, or never read) is left to the store, which gets the correction when it is back.
   */
  settle(adjustment: CounterAdjustment): void {
    const held = this.windows.get(adjustmentKey(adjustment, adjustment.windowStartMs));
    if (held) held.used += adjustment.delta;
  }

  /** The local usage of the current window. */
  read(check: CounterCheck, nowMs: number): CounterReading {
    const b = windowBounds(nowMs, check.window);
    return { windowStartMs: b.startMs, windowEndMs: b.endMs, used: this.windows.get(adjustmentKey(check, b.startMs))?.used ?? 0 };
  }

  /** How many counter windows are held. */
  get size(): number {
    return this.windows.size;
  }

  /** Drops the windows that have ended: no admission reads them again, whatever their length. */
  private dropEnded(nowMs: number): void {
    for (const [key, held] of this.windows) if (held.endMs <= nowMs) this.windows.delete(key);
    this.pruneAt = Math.max(PRUNE_FLOOR, 2 * this.windows.size);
  }
}
