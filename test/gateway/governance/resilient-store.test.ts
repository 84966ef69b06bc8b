import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { parseResetDuration } from '../../../shared/config/index.js';
import { createLogger } from '../../../shared/logger.js';
import { GatewayError } from '../../../gateway/core/errors.js';
import type { CounterCheck } from '../../../gateway/governance/hierarchy.js';
import { GovernanceMetrics } from '../../../gateway/governance/metrics.js';
import type { AdmitOutcome, CounterAdjustment, CounterCharge, CounterReading, CounterStore } from '../../../gateway/governance/store/counter-store.js';
import { ResilientStore, type FailMode } from '../../../gateway/governance/store/resilient-store.js';
import { toWindowSpec } from '../../../gateway/governance/windows.js';

/** A store that answers or fails on command, recording adjustments. */
class SwitchableStore implements CounterStore {
  up = true;
  used = 0;
  adjustments: CounterAdjustment[] = [];
  private fail(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    if (!this.up) this.fail();
    const admitted = this.used + 1 <= (charges[0] as CounterCharge).check.max;
    if (admitted) this.used++;
    return { admitted, ...(admitted ? {} : { deniedIndex: 0 }), readings: [{ windowStartMs: 0, windowEndMs: 3_600_000, used: this.used }], nowMs: 0 };
  }
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    if (!this.up) this.fail();
    this.adjustments.push(...adjustments);
    for (const a of adjustments) this.used += a.delta;
  }
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    if (!this.up) this.fail();
    return checks.map(() => ({ windowStartMs: 0, windowEndMs: 3_600_000, used: this.used }));
  }
  async close(): Promise<void> {}
}

const requests: CounterCheck = {
  scopeKind: 'rate_limit',
  scopeId: 'rl',
  limitKind: 'requests',
  max: 5,
  window: toWindowSpec({ duration: parseResetDuration('1h')!, calendarAligned: false }),
  windowText: '1h',
  level: 'virtual_key',
  levelId: 'vk',
};

function setup(failMode: FailMode) {
  const inner = new SwitchableStore();
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write: (chunk: Buffer, _e, cb) => {
        for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l));
        cb();
      },
    }),
  });
  const metrics = new GovernanceMetrics(new Registry());
  let now = 1_000_000;
  const store = new ResilientStore(inner, { failMode, logger, metrics, retryMs: 1000, now: () => now });
  return {
    inner,
    store,
    logs,
    logger,
    metrics,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('ResilientStore', () => {
  it('fails closed with a 503 while the store is down, and recovers on its own', async () => {
    const { inner, store, metrics, logger, advance } = setup('closed');
    inner.up = false;
    await assert.rejects(
      store.admit([{ check: requests, amount: 1 }]),
      (error: unknown) => error instanceof GatewayError && error.code === 'governance_unavailable' && error.status === 503,
    );
    assert.equal(store.isDown, true);
    assert.equal((await metrics.storeUp.get()).values[0]?.value, 0);
    inner.up = true;
    advance(1000);
    assert.equal((await store.admit([{ check: requests, amount: 1 }])).admitted, true);
    assert.equal(store.isDown, false);
    assert.equal((await metrics.storeUp.get()).values[0]?.value, 1);
    logger.flush();
  });

  it('fails open: counts locally from the last usage seen, then adds what it admitted', async () => {
    const { inner, store, logs, logger, advance } = setup('open');
    await store.admit([{ check: requests, amount: 1 }]);
    await store.admit([{ check: requests, amount: 1 }]);
    inner.up = false;
    // The store had 2 of 5: locally 3 more are admitted, the 4th refused.
    const local = [];
    for (let i = 0; i < 4; i++) local.push((await store.admit([{ check: requests, amount: 1 }])).admitted);
    assert.deepEqual(local, [true, true, true, false]);
    inner.up = true;
    advance(1000);
    await store.admit([{ check: requests, amount: 1 }]);
    assert.equal(
      inner.adjustments.reduce((sum, a) => sum + a.delta, 0),
      3,
      'the three local admissions were added to the store',
    );
    logger.flush();
    assert.ok(logs.some((l) => l.event === 'governance-store-down'));
    assert.ok(logs.some((l) => l.event === 'governance-store-up' && l.reconciled === 1));
  });

  it('fails open by real usage: settlements made while the store is down correct the local counters', async () => {
    const tokens: CounterCheck = { ...requests, limitKind: 'tokens', max: 1000 };
    const settlement = (delta: number): CounterAdjustment => ({ scopeKind: 'rate_limit', scopeId: 'rl', limitKind: 'tokens', windowStartMs: 0, delta });
    // Reservations of 400 tokens (a max_tokens the answers never reach) that really use 50 each.
    const overestimated = setup('open');
    overestimated.inner.up = false;
    const admitted = [];
    for (let i = 0; i < 6; i++) {
      const outcome = await overestimated.store.admit([{ check: tokens, amount: 400 }]);
      admitted.push(outcome.admitted);
      if (outcome.admitted) await overestimated.store.adjust([settlement(50 - 400)]);
    }
    assert.deepEqual(admitted, [true, true, true, true, true, true], '6 x 50 tokens fit in 1,000: none refused for what was only reserved');
    // Reservations of 10 tokens that really use 600: the second answer used the budget up.
    const underestimated = setup('open');
    underestimated.inner.up = false;
    assert.equal((await underestimated.store.admit([{ check: tokens, amount: 10 }])).admitted, true);
    await underestimated.store.adjust([settlement(600 - 10)]);
    assert.equal((await underestimated.store.admit([{ check: tokens, amount: 10 }])).admitted, true);
    await underestimated.store.adjust([settlement(600 - 10)]);
    assert.equal((await underestimated.store.admit([{ check: tokens, amount: 10 }])).admitted, false, '1,200 of 1,000 tokens used: refused');
    // The store gets every correction once when it is back.
    underestimated.inner.up = true;
    underestimated.advance(1000);
    await underestimated.store.read([tokens]);
    assert.equal(
      underestimated.inner.adjustments.reduce((sum, a) => sum + a.delta, 0),
      2 * 10 + 2 * (600 - 10),
    );
  });

  it('keeps settlements made while the store is down and sends them when it is back', async () => {
    const { inner, store, advance } = setup('closed');
    inner.up = false;
    await store.adjust([{ scopeKind: 'rate_limit', scopeId: 'rl', limitKind: 'tokens', windowStartMs: 0, delta: -40 }]);
    assert.equal(inner.adjustments.length, 0);
    inner.up = true;
    advance(1000);
    await store.admit([{ check: requests, amount: 1 }]);
    assert.deepEqual(
      inner.adjustments.map((a) => a.delta),
      [-40],
    );
  });

  it('counts the store as back as soon as a usage read succeeds, sending what waited', async () => {
    const { inner, store } = setup('closed');
    inner.up = false;
    await store.adjust([{ scopeKind: 'rate_limit', scopeId: 'rl', limitKind: 'tokens', windowStartMs: 0, delta: 7 }]);
    assert.equal(store.isDown, true);
    inner.up = true;
    await store.read([requests]);
    assert.equal(store.isDown, false);
    assert.deepEqual(
      inner.adjustments.map((a) => a.delta),
      [7],
    );
  });
});
