import type { CounterCheck } from '../hierarchy.js';

/** The verbs governance needs from a counter store (PostgreSQL, or local memory when failing open). */

/** One counter to check and charge `amount` to. */
export interface CounterCharge {
  check: CounterCheck;
  amount: number;
}

/** One counter after an admission: its window and its usage (charge included when admitted). */
export interface CounterReading {
  windowStartMs: number;
  windowEndMs: number;
  used: number;
}

/** The answer to an admission. */
export interface AdmitOutcome {
  admitted: boolean;
  /** Index (into the charges) of the first counter that refused. */
  deniedIndex?: number;
  /** One reading per charge, in order. */
  readings: CounterReading[];
  /** The store's clock at the admission, in ms (Retry-After is computed from it). */
  nowMs: number;
}

/** A correction to one counter window: the real usage minus what was reserved. */
export interface CounterAdjustment {
  scopeKind: CounterCheck['scopeKind'];
  scopeId: string;
  limitKind: CounterCheck['limitKind'];
  windowStartMs: number;
  delta: number;
}

/** A counter store. */
export interface CounterStore {
  /** Checks every counter and, only when all pass, charges them all: atomically. */
  admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome>;
  /**
   * Admits from headroom this node already holds (leases), with no round trip; undefined when
   * it does not hold enough on every counter. Synchronous: the hot path of a governed request.
   */
  admitHeld?(charges: readonly CounterCharge[]): AdmitOutcome | undefined;
  /** Adds deltas to counter windows (settlement, reconciliation). */
  adjust(adjustments: readonly CounterAdjustment[]): Promise<void>;
  /**
   * Settles into headroom this node holds (leases) what it can, with no round trip, and returns
   * the rest for `adjust`. Synchronous, like admitHeld: a governed request's settlement.
   */
  settleHeld?(adjustments: readonly CounterAdjustment[]): readonly CounterAdjustment[];
  /** The current window's usage of each counter. */
  read(checks: readonly CounterCheck[]): Promise<CounterReading[]>;
  close(): Promise<void>;
}

/** A counter's identity across its windows: its scope and what it limits. */
export function counterKey(counter: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>): string {
  return `${counter.scopeKind}\u0000${counter.scopeId}\u0000${counter.limitKind}`;
}

/** A stable identity of a counter window (sorting, merging adjustments); it ends with the window's start. */
export function adjustmentKey(counter: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>, windowStartMs: number): string {
  return `${counterKey(counter)}\u0000${windowStartMs}`;
}
