import assert from 'node:assert/strict';
import { parseResetDuration } from '../../../shared/config/index.js';
import type { CounterCheck } from '../../../gateway/governance/hierarchy.js';
import { LocalCounters } from '../../../gateway/governance/store/local-counters.js';
import { toWindowSpec, windowBounds } from '../../../gateway/governance/windows.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T08:17:30Z');

function check(scopeId: string, duration: string, max = 100): CounterCheck {
  return {
    scopeKind: 'rate_limit',
    scopeId,
    limitKind: 'requests',
    max,
    window: toWindowSpec({ duration: parseResetDuration(duration)!, calendarAligned: false }),
    windowText: duration,
    level: 'virtual_key',
    levelId: scopeId,
  };
}

/** Has the counters remember a store reading of `used` in the window of `check` that holds `atMs`. */
function rememberReading(counters: LocalCounters, counter: CounterCheck, atMs: number, used: number, nowMs: number): void {
  const bounds = windowBounds(atMs, counter.window);
  counters.remember([{ check: counter, amount: 1 }], [{ windowStartMs: bounds.startMs, windowEndMs: bounds.endMs, used }], nowMs);
}

describe('LocalCounters', () => {
  it('starts failing open from the usage the store last reported', () => {
    const counters = new LocalCounters();
    const limit = check('vk-a', '1h', 5);
    rememberReading(counters, limit, NOW, 4, NOW);
    assert.equal(counters.admit([{ check: limit, amount: 1 }], NOW).admitted, true);
    assert.equal(counters.admit([{ check: limit, amount: 1 }], NOW).admitted, false, 'the cluster had used 4 of 5 before the store went away');
  });

  it('keeps a long window that is still running when it drops ended ones, whatever their age', () => {
    const counters = new LocalCounters();
    // A two-year budget: its window began on 2026-01-01, 336 days ago; one of 400 days began longer ago still.
    const twoYears = check('vk-budget', '2Y', 50);
    const fourHundredDays = check('vk-long', '400d', 50);
    rememberReading(counters, twoYears, NOW, 49, NOW);
    rememberReading(counters, fourHundredDays, NOW, 49, NOW);
    assert.ok(windowBounds(NOW, fourHundredDays.window).startMs < NOW - 366 * DAY, 'the 400-day window began more than a year ago');
    // One-minute windows from a day ago, enough to pass the floor of 10,000, make the counters sweep.
    for (let i = 0; i < 9_999; i++) rememberReading(counters, check(`vk-${i}`, '1m'), NOW - DAY, 1, NOW);
    assert.equal(counters.size, 2, 'every ended window was dropped, the two running ones kept');
    assert.equal(counters.admit([{ check: twoYears, amount: 1 }], NOW).admitted, true);
    assert.equal(counters.admit([{ check: twoYears, amount: 1 }], NOW).admitted, false, '50 of 50 used in the running window');
    assert.equal(counters.admit([{ check: fourHundredDays, amount: 2 }], NOW).admitted, false, '49 + 2 would pass 50');
  });

  it('sweeps now and then, not on every reading, when more windows than the floor are live', () => {
    const counters = new LocalCounters();
    for (let i = 0; i < 12_000; i++) rememberReading(counters, check(`vk-${i}`, '1d'), NOW, 1, NOW);
    // Past the floor, the next sweep waits until the live windows have doubled: ended ones
    // added meanwhile stay until then.
    for (let i = 0; i < 100; i++) rememberReading(counters, check(`old-${i}`, '1m'), NOW - DAY, 1, NOW);
    assert.equal(counters.size, 12_100, 'no sweep yet: 100 readings did not each walk 12,000 windows');
    for (let i = 12_000; i < 24_001; i++) rememberReading(counters, check(`vk-${i}`, '1d'), NOW, 1, NOW);
    assert.equal(counters.size, 24_001, 'the doubling swept the 100 ended windows');
  });

  it('applies a settlement to the window it corrects, and leaves to the store one it does not hold', () => {
    const counters = new LocalCounters();
    const tokens = { ...check('vk-t', '1h', 1000), limitKind: 'tokens' as const };
    const start = windowBounds(NOW, tokens.window).startMs;
    assert.equal(counters.admit([{ check: tokens, amount: 900 }], NOW).admitted, true);
    counters.settle({ scopeKind: 'rate_limit', scopeId: 'vk-t', limitKind: 'tokens', windowStartMs: start, delta: -850 });
    assert.equal(counters.read(tokens, NOW).used, 50);
    counters.settle({ scopeKind: 'rate_limit', scopeId: 'vk-t', limitKind: 'tokens', windowStartMs: start - 3_600_000, delta: 500 });
    assert.equal(counters.size, 1, 'the earlier window was not made up from a correction alone');
  });
});
