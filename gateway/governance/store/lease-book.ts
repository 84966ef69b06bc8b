import type { CounterCheck } from '../hierarchy.js';
import { adjustmentKey, counterKey, type AdmitOutcome, type CounterAdjustment, type CounterCharge } from './counter-store.js';

/**
 * The headroom this node holds on shared counters: leases. PostgreSQL hands a node a slice of
 * a counter's window (charged to `used` and marked `leased` there), and the node admits from
 * it in memory until it runs out; then it asks again. A governed request then costs a round
 * trip only once per lease instead of once per request. Leases are carved out of the limit,
 * so they never let a window go over it; they are granted only while at least 16 of the
 * smallest leases' worth of headroom is left, and never more than a sixteenth of it (decided
 * in SQL), so near the limit every request is judged by the database again, as without
 * leases. What a node has not spent goes back when it sits idle, when its window ends, when
 * it is settled over its size, and when the node stops. The database takes back the leases of
 * a node silent for the lease TTL (a crash); a node stops serving from its leases once half of
 * that has passed without a statement going through, so it never admits from a lease the
 * database may have handed on.
 */

/**
 * How long a node's leases outlive its last statement: past this, the database hands them back
 * to the others. A node holding a lease sends a statement at least every second or so (what it
 * drew every 250 ms, or the lease back when idle), so only a node that is gone or cut off from
 * the database stays silent this long.
 */
export const LEASE_TTL_MS = 10_000;

/** A change to one counter window to send: to its `used`, and to the `leased` part of it. */
export interface LeaseDelta {
  scopeKind: CounterCheck['scopeKind'];
  scopeId: string;
  limitKind: CounterCheck['limitKind'];
  windowStartMs: number;
  usedDelta: number;
  leasedDelta: number;
}

/** The lease to ask for with a charge: the least worth granting, and the most wanted. */
export interface LeaseAsk {
  min: number;
  max: number;
}

/** How many requests a lease serves at least: its size is this times the request's charge. */
export const REQUESTS_PER_LEASE = 32;

/** A busy counter's leases grow up to this many times the smallest. */
const MAX_GROWTH = 16;

/** A lease granted sooner than this after the one before doubles the next; later than 4 times it, halves it. */
const REFILL_TARGET_MS = 500;

/** Options of LeaseBook. */
export interface LeaseBookOptions {
  /** How many requests a lease serves at least: its size is this times the request's charge. */
  requestsPerLease?: number;
  /** A lease not drawn on for this long goes back, so idle nodes hold no headroom. Default 1000 ms. */
  idleMs?: number;
  /** A lease stops serving this long before its window ends by the store's clock. Default 100 ms. */
  endMarginMs?: number;
  /** How long the store keeps a silent node's leases (LEASE_TTL_MS); they stop serving at half of it. */
  ttlMs?: number;
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
  /** This window's entry of LeaseBook.pending, kept here so a draw builds no key. */
  pending: LeaseDelta | undefined;
}

/** How large a counter's leases are, from how soon each was spent. */
interface Growth {
  factor: number;
  lastGrantMs: number;
}

/** The keys of the checks in use: a node keeps its checks for its lifetime (Governor.countersOf). */
const keysOfChecks = new WeakMap<CounterCheck, string>();

function keyOfCheck(check: CounterCheck): string {
  let key = keysOfChecks.get(check);
  if (key === undefined) {
    key = counterKey(check);
    keysOfChecks.set(check, key);
  }
  return key;
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
  private readonly growth = new Map<string, Growth>();
  private readonly requestsPerLease: number;
  private readonly idleMs: number;
  private readonly endMarginMs: number;
  private readonly now: () => number;
  /** The store's clock minus ours, from the last statement. */
  private skewMs = 0;
  /** When a statement last went through (our clock): it renewed every lease this node holds. */
  private confirmedMs = Number.NEGATIVE_INFINITY;
  /** How long the store keeps this node's leases after its last statement (sent with each statement). */
  readonly ttlMs: number;

  constructor(options: LeaseBookOptions = {}) {
    this.requestsPerLease = options.requestsPerLease ?? REQUESTS_PER_LEASE;
    this.idleMs = options.idleMs ?? 1000;
    this.endMarginMs = options.endMarginMs ?? 100;
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Notes a statement that went through: the store renewed this node's leases. */
  confirmed(): void {
    this.confirmedMs = this.now();
  }

  /** Admits from the leases when every counter of the request has enough left; else undefined. */
  take(charges: readonly CounterCharge[]): AdmitOutcome | undefined {
    const localNow = this.now();
    if (this.unconfirmed(localNow)) return undefined;
    const storeNow = localNow + this.skewMs;
    const drawn: Lease[] = [];
    for (const charge of charges) {
      const lease = this.leases.get(keyOfCheck(charge.check));
      if (!lease || lease.balance < charge.amount || storeNow >= lease.windowEndMs - this.endMarginMs) return undefined;
      drawn.push(lease);
    }
    charges.forEach((charge, i) => {
      const lease = drawn[i] as Lease;
      lease.balance -= charge.amount;
      lease.lastDrawnMs = localNow;
      this.addToLease(lease, 0, -charge.amount);
    });
    return {
      admitted: true,
      readings: drawn.map((lease) => ({ windowStartMs: lease.windowStartMs, windowEndMs: lease.windowEndMs, used: lease.used })),
      nowMs: storeNow,
    };
  }

  /**
   * The lease to ask for with a charge sent to the store; undefined when a lease covers it. It
   * serves `requestsPerLease` requests like this one at least, and more on a busy counter
   * (doubled while each lease lasts less than REFILL_TARGET_MS), so a node asks a few times a
   * second whatever its rate.
   */
  wanted(charge: CounterCharge): LeaseAsk | undefined {
    if (charge.amount <= 0) return undefined;
    const key = keyOfCheck(charge.check);
    const lease = this.leases.get(key);
    if (lease && lease.balance >= charge.amount) return undefined;
    const min = charge.amount * this.requestsPerLease;
    return { min, max: min * (this.growth.get(key)?.factor ?? 1) };
  }

  /** Takes in what the store granted with an admitted request (0 where it granted nothing). */
  granted(charges: readonly CounterCharge[], outcome: AdmitOutcome, grants: readonly number[]): void {
    const localNow = this.now();
    this.skewMs = outcome.nowMs - localNow;
    this.confirmedMs = localNow;
    charges.forEach((charge, i) => {
      const reading = outcome.readings[i];
      if (!reading) return;
      const key = keyOfCheck(charge.check);
      let lease = this.leases.get(key);
      if (lease && lease.windowStartMs !== reading.windowStartMs) {
        this.giveBack(lease);
        this.leases.delete(key);
        lease = undefined;
      }
      const grant = grants[i] ?? 0;
      if (lease) lease.used = reading.used;
      if (grant <= 0) return;
      this.grow(key, localNow);
      if (!lease) {
        lease = {
          check: charge.check,
          windowStartMs: reading.windowStartMs,
          windowEndMs: reading.windowEndMs,
          balance: 0,
          size: 0,
          used: reading.used,
          lastDrawnMs: localNow,
          pending: undefined,
        };
        this.leases.set(key, lease);
      }
      lease.balance += grant;
      lease.size = lease.balance;
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
    this.addToLease(lease, adjustment.delta - drawn, -drawn);
    if (lease.balance > lease.size) {
      const excess = lease.balance - lease.size;
      lease.balance = lease.size;
      this.addToLease(lease, -excess, -excess);
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
    this.unconfirmed(localNow);
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
    for (const lease of this.leases.values()) lease.pending = undefined;
    return deltas;
  }

  /** Puts back changes whose statement failed, to go with the next. */
  restore(deltas: readonly LeaseDelta[]): void {
    for (const d of deltas) this.addPending(d, d.windowStartMs, d.usedDelta, d.leasedDelta);
  }

  /**
   * True, and every lease given back, when no statement has gone through for half the store's
   * TTL: the store may hand these leases on soon. What was drawn from them is still sent; the
   * store counts it as usage whether or not it kept the lease.
   */
  private unconfirmed(localNow: number): boolean {
    // Half the TTL: the other half is the margin for clocks and a statement in flight.
    if (this.leases.size === 0 || localNow - this.confirmedMs <= this.ttlMs / 2) return false;
    for (const lease of this.leases.values()) this.giveBack(lease);
    this.leases.clear();
    return true;
  }

  private giveBack(lease: Lease): void {
    if (lease.balance !== 0) this.addToLease(lease, -lease.balance, -lease.balance);
    lease.balance = 0;
  }

  /** Doubles a counter's next lease when this one came soon after the last; halves it when late. */
  private grow(key: string, localNow: number): void {
    const growth = this.growth.get(key);
    if (!growth) {
      this.growth.set(key, { factor: 1, lastGrantMs: localNow });
      return;
    }
    const sinceLast = localNow - growth.lastGrantMs;
    if (sinceLast < REFILL_TARGET_MS) growth.factor = Math.min(MAX_GROWTH, growth.factor * 2);
    else if (sinceLast > 4 * REFILL_TARGET_MS) growth.factor = Math.max(1, growth.factor / 2);
    growth.lastGrantMs = localNow;
  }

  private addToLease(lease: Lease, usedDelta: number, leasedDelta: number): void {
    if (!lease.pending) lease.pending = this.addPending(lease.check, lease.windowStartMs, 0, 0);
    lease.pending.usedDelta += usedDelta;
    lease.pending.leasedDelta += leasedDelta;
  }

  private addPending(
    counter: Pick<CounterCheck, 'scopeKind' | 'scopeId' | 'limitKind'>,
    windowStartMs: number,
    usedDelta: number,
    leasedDelta: number,
  ): LeaseDelta {
    const key = adjustmentKey(counter, windowStartMs);
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { scopeKind: counter.scopeKind, scopeId: counter.scopeId, limitKind: counter.limitKind, windowStartMs, usedDelta: 0, leasedDelta: 0 };
      this.pending.set(key, entry);
    }
    entry.usedDelta += usedDelta;
    entry.leasedDelta += leasedDelta;
    return entry;
  }
}
