import assert from 'node:assert/strict';
import { backoffDelay } from '../../shared/backoff.js';
import { seededRandom } from '../support/seeded-random.js';

describe("backoffDelay with jitter (the gateway's retries)", () => {
  it('doubles from the initial backoff, within jitter [0.8, 1.2]', () => {
    const random = seededRandom(1);
    for (let retry = 1; retry <= 4; retry++) {
      const base = 100 * 2 ** (retry - 1);
      for (let i = 0; i < 200; i++) {
        const wait = backoffDelay(retry, 100, 10_000, random);
        assert.ok(wait >= base * 0.8 && wait <= base * 1.2, `retry ${retry}: ${wait}`);
      }
    }
  });

  it('caps the base at the maximum backoff', () => {
    assert.equal(
      backoffDelay(20, 500, 5000, () => 0),
      4000,
    );
    assert.equal(
      backoffDelay(20, 500, 5000, () => 0.5),
      5000,
    );
    assert.equal(backoffDelay(20, 500, 5000, () => 0.999_999) <= 6000, true);
  });

  it('reaches both ends of the jitter range', () => {
    assert.equal(
      backoffDelay(1, 1000, 5000, () => 0),
      800,
    );
    assert.ok(Math.abs(backoffDelay(1, 1000, 5000, () => 1) - 1200) < 1e-9);
  });
});

describe("backoffDelay without jitter (the reloader's Docker retries)", () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, 100, 1000)),
      [100, 200, 400, 800, 1000],
    );
  });
});
