import assert from 'node:assert/strict';
import { BatchedSettlements } from '../../../gateway/governance/store/batched-settlements.js';
import type { CounterAdjustment, CounterStore } from '../../../gateway/governance/store/counter-store.js';

/** A store that records each adjust call, and fails the next ones when told to. */
function recordingStore(): CounterStore & { calls: CounterAdjustment[][]; failNext: number; closed: boolean } {
  const store = {
    calls: [] as CounterAdjustment[][],
    failNext: 0,
    closed: false,
    admit: async () => ({ admitted: true, readings: [], nowMs: 0 }),
    read: async () => [],
    async adjust(rows: readonly CounterAdjustment[]) {
      if (store.failNext > 0) {
        store.failNext -= 1;
        throw new Error('connection refused');
      }
      store.calls.push([...rows]);
    },
    async close() {
      store.closed = true;
    },
  };
  return store;
}

const tokens = (delta: number, scopeId = 'rl-1'): CounterAdjustment => ({ scopeKind: 'rate_limit', scopeId, limitKind: 'tokens', windowStartMs: 0, delta });

describe('governance settlements in batches', () => {
  it('writes the settlements of many requests as one statement, merged per counter window', async () => {
    const store = recordingStore();
    const batched = new BatchedSettlements(store, 10);
    await Promise.all([batched.adjust([tokens(5)]), batched.adjust([tokens(-3)]), batched.adjust([tokens(7), tokens(1, 'rl-2')])]);
    assert.equal(store.calls.length, 1, 'one statement for the three settlements');
    assert.deepEqual(
      store.calls[0]?.map((a) => [a.scopeId, a.delta]),
      [
        ['rl-1', 9],
        ['rl-2', 1],
      ],
    );
  });

  it('fails every settlement of a batch the store refused, so none is counted twice or lost above it', async () => {
    const store = recordingStore();
    store.failNext = 1;
    const batched = new BatchedSettlements(store, 10);
    const results = await Promise.allSettled([batched.adjust([tokens(5)]), batched.adjust([tokens(2)])]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await batched.adjust([tokens(4)]);
    assert.deepEqual(
      store.calls.map((call) => call.map((a) => a.delta)),
      [[4]],
      'the failed batch is not resent by the batcher (its callers keep it)',
    );
  });

  it('writes what is gathered when closed, before closing the store', async () => {
    const store = recordingStore();
    const batched = new BatchedSettlements(store, 60_000);
    const pending = batched.adjust([tokens(3)]);
    await batched.close();
    await pending;
    assert.deepEqual(
      store.calls.map((call) => call.map((a) => a.delta)),
      [[3]],
    );
    assert.equal(store.closed, true);
  });
});
