import assert from 'node:assert/strict';
import { computeBackoffMs, sleepWithSignal } from '../../../gateway/core/backoff.js';
import { seededRandom } from '../../support/seeded-random.js';
import { Cancellation } from '../../../gateway/core/cancellation.js';

describe('computeBackoffMs', () => {
  it('doubles from the initial backoff, within jitter [0.8, 1.2]', () => {
    const random = seededRandom(1);
    for (let retry = 1; retry <= 4; retry++) {
      const base = 100 * 2 ** (retry - 1);
      for (let i = 0; i < 200; i++) {
        const wait = computeBackoffMs(retry, 100, 10_000, random);
        assert.ok(wait >= base * 0.8 && wait <= base * 1.2, `retry ${retry}: ${wait}`);
      }
    }
  });

  it('caps the base at the maximum backoff', () => {
    assert.equal(computeBackoffMs(20, 500, 5000, () => 0), 4000);
    assert.equal(computeBackoffMs(20, 500, 5000, () => 0.5), 5000);
    assert.equal(computeBackoffMs(20, 500, 5000, () => 0.999_999) <= 6000, true);
  });

  it('reaches both ends of the jitter range', () => {
    assert.equal(computeBackoffMs(1, 1000, 5000, () => 0), 800);
    assert.ok(Math.abs(computeBackoffMs(1, 1000, 5000, () => 1) - 1200) < 1e-9);
  });
});

describe('sleepWithSignal', () => {
  it('rejects at once when the signal aborts', async () => {
    const controller = new Cancellation();
    const sleeping = sleepWithSignal(60_000, controller);
    controller.abort(new Error('client left'));
    await assert.rejects(sleeping, /client left/);
  });

  it('resolves after the wait', async () => {
    await sleepWithSignal(1, new Cancellation());
  });
});
