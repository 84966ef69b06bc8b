import assert from 'node:assert/strict';
import type { AdmitOutcome } from '../../../gateway/governance/store/counter-store.js';
import { LeaseBook } from '../../../gateway/governance/store/lease-book.js';
import { counterCheck } from './fixtures.js';

const requests = counterCheck('rl', 'requests', 1_000_000);
const tokens = counterCheck('rl', 'tokens', 1_000_000_000);
const WINDOW = { windowStartMs: 0, windowEndMs: 3_600_000 };

/** What the store answers for an admitted request whose counters stood at `used`. */
function stored(used: number[], nowMs: number): AdmitOutcome {
  return { admitted: true, readings: used.map((u) => ({ ...WINDOW, used: u })), nowMs };
}

describe('LeaseBook', () => {
  let clock = 1000;
  const book = (idleMs = 1000) => new LeaseBook({ requestsPerLease: 4, idleMs, now: () => clock });
  beforeEach(() => {
    clock = 1000;
  });

  it('admits from a granted lease until it is spent, then sends the request to the store', () => {
    const leases = book();
    const charges = [{ check: requests, amount: 1 }];
    assert.equal(leases.take(charges), undefined, 'no lease yet');
    assert.deepEqual(leases.wanted(charges[0]!), { min: 4, max: 4 });
    leases.granted(charges, stored([1], clock), [4]);
    for (let i = 0; i < 4; i++) assert.equal(leases.take(charges)?.admitted, true);
    assert.equal(leases.take(charges), undefined, 'spent');
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[0, -4]],
      'four drawn: leased -> used',
    );
  });

  it('admits only when every counter of the request has enough left', () => {
    const leases = book();
    const charges = [
      { check: requests, amount: 1 },
      { check: tokens, amount: 100 },
    ];
    leases.granted(charges, stored([1, 100], clock), [4, 0]);
    assert.equal(leases.take(charges), undefined, 'the tokens counter has no lease');
    assert.equal(leases.wanted(charges[0]!), undefined, 'the request counter needs none');
    assert.deepEqual(leases.wanted(charges[1]!), { min: 400, max: 400 });
    leases.granted(charges, stored([1, 200], clock), [0, 400]);
    assert.equal(leases.take(charges)?.admitted, true);
    assert.equal(leases.take([{ check: tokens, amount: 301 }]), undefined, 'more than the 300 left');
  });

  it('settles reservations into the lease, an overdraft beyond it into the window, and gives back what exceeds its size', () => {
    const leases = book();
    const charge = { check: tokens, amount: 100 };
    leases.granted([charge], stored([100], clock), [400]);
    leases.take([charge]);
    leases.collect();
    const settle = (delta: number) => leases.settle({ scopeKind: 'rate_limit', scopeId: 'rl', limitKind: 'tokens', windowStartMs: 0, delta });
    assert.equal(settle(-90), true, 'used 10 of the 100 reserved');
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[0, 90]],
    );
    // The lease holds 390 again; a reservation 500 under what was used draws all of it.
    assert.equal(settle(500), true);
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[110, -390]],
    );
    leases.granted([charge], stored([600], clock), [400]);
    settle(-250);
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[-250, 0]],
      'the lease is full at 400: the freed 250 go back to the window',
    );
    assert.equal(leases.settle({ scopeKind: 'rate_limit', scopeId: 'rl', limitKind: 'tokens', windowStartMs: 3_600_000, delta: 5 }), false, 'another window');
  });

  it('asks for larger leases while each is spent within half a second, up to 16 times, and smaller ones when they last', () => {
    const leases = book();
    const charges = [{ check: requests, amount: 1 }];
    const asked: number[] = [];
    for (let i = 0; i < 7; i++) {
      asked.push(leases.wanted(charges[0]!)?.max ?? 0);
      leases.granted(charges, stored([1], clock), [asked[i]!]);
      while (leases.take(charges)) clock += 1;
      clock += 100;
    }
    assert.deepEqual(asked, [4, 4, 8, 16, 32, 64, 64], 'each grant soon after the last doubles the next ask');
    clock += 5_000;
    leases.granted(charges, stored([1], clock), [4]);
    while (leases.take(charges));
    assert.deepEqual(leases.wanted(charges[0]!), { min: 4, max: 32 }, 'halved after a lease that lasted 5 s');
  });

  it('gives an idle lease back, and one whose window ends', () => {
    const leases = book(500);
    const charges = [{ check: requests, amount: 1 }];
    leases.granted(charges, stored([1], clock), [4]);
    leases.take(charges);
    clock += 499;
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[0, -1]],
    );
    clock += 1;
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[-3, -3]],
      'idle for 500 ms: the 3 left go back',
    );
    assert.equal(leases.take(charges), undefined);

    leases.granted(charges, stored([5], clock), [4]);
    clock = WINDOW.windowEndMs - 100;
    assert.equal(leases.take(charges), undefined, 'no admission into a window about to end');
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[-4, -4]],
    );
  });

  it("judges a lease's end by the store's clock", () => {
    const leases = book();
    const charges = [{ check: requests, amount: 1 }];
    // The store's clock runs 10 s ahead of this node's.
    leases.granted(charges, stored([1], WINDOW.windowEndMs - 5_000), [4]);
    clock += 4_000;
    assert.equal(leases.take(charges)?.admitted, true);
    clock += 1_000;
    assert.equal(leases.take(charges), undefined, "the window has ended by the store's clock");
  });

  it('gives a lease of an earlier window back when the store answers with a new one', () => {
    const leases = book();
    const charges = [{ check: requests, amount: 1 }];
    leases.granted(charges, stored([1], clock), [4]);
    leases.granted(charges, { admitted: true, readings: [{ windowStartMs: 3_600_000, windowEndMs: 7_200_000, used: 1 }], nowMs: 3_600_100 }, [4]);
    const deltas = leases.collect();
    assert.deepEqual(
      deltas.map((d) => [d.windowStartMs, d.usedDelta, d.leasedDelta]),
      [[0, -4, -4]],
    );
  });

  it('gives everything back at close, and keeps what a failed statement could not send', () => {
    const leases = book();
    const charge = { check: counterCheck('usd', 'cost_usd', 100), amount: 0.000123 };
    leases.granted([charge], stored([0.000123], clock), [0.003936]);
    for (let i = 0; i < 10; i++) leases.take([charge]);
    const drawn = leases.collect();
    assert.deepEqual(
      drawn.map((d) => d.leasedDelta),
      [-0.00123],
      'ten draws of 0.000123, exactly',
    );
    leases.restore(drawn);
    const all = leases.collect(true);
    assert.deepEqual(
      all.map((d) => [d.usedDelta, d.leasedDelta]),
      [[-0.002706, -0.003936]],
    );
    assert.deepEqual(leases.collect(true), [], 'nothing held, nothing left to send');
  });

  it('stops serving from its leases, and gives them back, once no statement has gone through for half the TTL', () => {
    const leases = new LeaseBook({ requestsPerLease: 4, ttlMs: 10_000, now: () => clock });
    const charges = [{ check: requests, amount: 1 }];
    leases.granted(charges, stored([1], clock), [4]);
    clock += 4_000;
    assert.equal(leases.take(charges)?.admitted, true, 'confirmed 4 s ago: still good');
    leases.confirmed();
    clock += 5_001;
    assert.equal(leases.take(charges), undefined, 'silent for over 5 s: the store may take it back at 10 s');
    assert.deepEqual(
      leases.collect().map((d) => [d.usedDelta, d.leasedDelta]),
      [[-3, -4]],
      'one drawn, three given back',
    );
    assert.deepEqual(leases.wanted(charges[0]!), { min: 4, max: 4 }, 'the next admission asks the store again');
  });
});
