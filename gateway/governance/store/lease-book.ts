import type { CounterCheck } from '../hierarchy.js';
import type { AdmitOutcome, CounterAdjustment, CounterCharge } from './counter-store.js';

/**
 * The headroom this node holds on shared counters: leases. PostgreSQL hands a node a slice of
 * a counter's window (charged to `used` and marked `leased` there), and the node admits from
 * it in memory until it runs out; then it asks again. A governed request then costs a round
 * trip only once per lease instead of once per request. Leases are carved out of the limit,
 * so they never let a window go over it; they are granted only while at least 16 leases'
 * worth of headroom is left (decided in SQL), so near the limit every request is judged by
 * the database again, as without leases. What a node has not spent goes back when it sits
 * idle, when its window ends, when it is settled over its size, and when the node stops.
 */

/** A change to one counter window to send: to its `used`, and to the `leased` part of it. */
export interface LeaseDelta {
  scopeKind: CounterCheck['scopeKind'];
  scopeId: string;
  limitKind: CounterCheck['limitKind'];
  windowStartMs: number;
  usedDelta: number;
  leasedDelta: number;
}

/** How many requests a lease serves by default: its size is this times the request's charge. */
export const REQUESTS_PER_LEASE = 32;

/** Options of LeaseBook. */
export interface LeaseBookOptions {
  /** How many requests one lease serves: its size is this times the request's charge. */
  requestsPerLease?: number;
  /** A lease not drawn on for this long goes back, so idle nodes hold no headroom. Default 1000 ms. */
  idleMs?: number;
  /** A lease stops serving this long before its window ends by the store's clock. Default 100 ms. */
  endMarginMs?: number;
  now?: () => number;
}

interface Lease {
  check: CounterCheck;
  windowStartMs: number;
  /** The window's end by the store's clock. */
  windowEndMs: number;
  balance: number;
  /** The most this lease holds: settlements that free more give the excess back. */
  size: number;
  /** The store's usage of the window (leases included) at the last statement: for readings. */
  used: number;
  lastDrawnMs: number;
}

/** A counter's identity across windows. */
function counterKey(check: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>): string {
  return `${check.scopeKind}\u0000${check.scopeId}\u0000${check.limitKind}`;
}

/**
 * A sum of dollar amounts to the digits a double holds (15): sums of binary fractions pick up
 * noise in the last bits (0.000123 ten times is 0.0012300000000000004), which the database's
 * exact numeric would keep.
 */
function toSignificant(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(15));
}

/** The leases of one node, and the changes to their windows not sent yet. */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, LeaseDelta>();
  private readonly requestsPerLease: number;
  private readonly idleMs: number;
  private readonly endMarginMs: number;
  private readonly now: () => number;
  /** The store's clock minus ours, from the last statement. */
  private skewMs = 0;

  constructor(options: LeaseBookOptions = {}) {
    this.requestsPerLease = options.requestsPerLease ?? REQUESTS_PER_LEASE;
    this.idleMs = options.idleMs ?? 1000;
    this.endMarginMs = options.endMarginMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Admits from the leases when every counter of the request has enough left; else undefined. */
  take(charges: readonly CounterCharge[]): AdmitOutcome | undefined {
    const localNow = this.now();
    const storeNow = localNow + this.skewMs;
    const drawn: Lease[] = [];
    for (const charge of charges) {
      const lease = this.leases.get(counterKey(charge.check));
      if (!lease || lease.balance < charge.amount || storeNow >= lease.windowEndMs - this.endMarginMs) return undefined;
      drawn.push(lease);
    }
    charges.forEach((charge, i) => {
      const lease = drawn[i] as Lease;
      lease.balance -= charge.amount;
      lease.lastDrawnMs = localNow;
      this.addPending(lease.check, lease.windowStartMs, 0, -charge.amount);
    });
    return {
      admitted: true,
      readings: drawn.map((lease) => ({ windowStartMs: lease.windowStartMs, windowEndMs: lease.windowEndMs, used: lease.used })),
      nowMs: storeNow,
    };
  }

  /** The lease to ask for with a charge sent to the store: none when a lease already covers it. */
  wanted(charge: CounterCharge): number {
    if (charge.amount <= 0) return 0;
    const lease = this.leases.get(counterKey(charge.check));
    if (lease && lease.balance >= charge.amount) return 0;
    return charge.amount * this.requestsPerLease;
  }

  /** Takes in what the store granted with an admitted request (0 where it granted nothing). */
  granted(charges: readonly CounterCharge[], outcome: AdmitOutcome, grants: readonly number[]): void {
    this.skewMs = outcome.nowMs - this.now();
    charges.forEach((charge, i) => {
      const reading = outcome.readings[i];
      if (!reading) return;
      const key = counterKey(charge.check);
      let lease = this.leases.get(key);
      if (lease && lease.windowStartMs !== reading.windowStartMs) {
        this.giveBack(lease);
        lease = undefined;
      }
      const grant = grants[i] ?? 0;
      if (lease) lease.used = reading.used;
      if (grant <= 0) return;
      if (!lease) {
        lease = {
          check: charge.check,
          windowStartMs: reading.windowStartMs,
          windowEndMs: reading.windowEndMs,
          balance: 0,
          size: 0,
          used: reading.used,
          lastDrawnMs: this.now(),
        };
        this.leases.set(key, lease);
      }
      lease.balance += grant;
      lease.size = Math.max(lease.size, grant);
      lease.used = reading.used + grant;
    });
  }

  /**
   * Settles a reservation against the lease of its window, if this node holds it: what the
   * estimate reserved above the real usage comes back into the lease, and a usage above the
   * estimate is drawn from it (beyond it, charged to the window). False: no lease, send it.
   */
  settle(adjustment: CounterAdjustment): boolean {
    const lease = this.leases.get(counterKey(adjustment));
    if (!lease || lease.windowStartMs !== adjustment.windowStartMs) return false;
    const drawn = Math.min(adjustment.delta, lease.balance);
    lease.balance -= drawn;
    this.addPending(lease.check, lease.windowStartMs, adjustment.delta - drawn, -drawn);
    if (lease.balance > lease.size) {
      const excess = lease.balance - lease.size;
      lease.balance = lease.size;
      this.addPending(lease.check, lease.windowStartMs, -excess, -excess);
    }
    return true;
  }

  /**
   * The changes to send now: what was drawn and settled, and the leases that go back (idle,
   * past their window, or all of them when `everything`, at close).
   */
  collect(everything = false): LeaseDelta[] {
    const localNow = this.now();
    const storeNow = localNow + this.skewMs;
    for (const [key, lease] of this.leases) {
      if (everything || localNow - lease.lastDrawnMs >= this.idleMs || storeNow >= lease.windowEndMs - this.endMarginMs) {
        this.giveBack(lease);
        this.leases.delete(key);
      }
    }
    const deltas: LeaseDelta[] = [];
    for (const d of this.pending.values()) {
      const usedDelta = toSignificant(d.usedDelta);
      const leasedDelta = toSignificant(d.leasedDelta);
      if (usedDelta !== 0 || leasedDelta !== 0) deltas.push({ ...d, usedDelta, leasedDelta });
    }
    this.pending.clear();
    return deltas;
  }

  /** Puts back changes whose statement failed, to go with the next. */
  restore(deltas: readonly LeaseDelta[]): void {
    for (const d of deltas) this.addPending(d, d.windowStartMs, d.usedDelta, d.leasedDelta);
  }

  /** True while the node holds any lease or has changes to send. */
  get busy(): boolean {
    return this.leases.size > 0 || this.pending.size > 0;
  }

  private giveBack(lease: Lease): void {
    if (lease.balance !== 0) this.addPending(lease.check, lease.windowStartMs, -lease.balance, -lease.balance);
    lease.balance = 0;
  }

  private addPending(counter: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>, windowStartMs: number, usedDelta: number, leasedDelta: number): void {
    const key = `${counterKey(counter)}\u0000${windowStartMs}`;
    const existing = this.pending.get(key);
    if (existing) {
      existing.usedDelta += usedDelta;
      existing.leasedDelta += leasedDelta;
      return;
    }
    this.pending.set(key, { scopeKind: counter.scopeKind, scopeId: counter.scopeId, limitKind: counter.limitKind, windowStartMs, usedDelta, leasedDelta });
  }
}
