import assert from 'node:assert/strict';
import { parseResetDuration } from '../../../shared/config/index.js';
import { toWindowSpec, windowBounds } from '../../../gateway/governance/windows.js';

const spec = (text: string, calendarAligned = false) => toWindowSpec({ duration: parseResetDuration(text)!, calendarAligned });
const iso = (ms: number) => new Date(ms).toISOString();
const at = Date.parse('2026-12-03T08:17:42.500Z'); // a Thursday

describe('windows', () => {
  it("parses Bifrost's reset durations", () => {
    assert.deepEqual(parseResetDuration('30s'), { text: '30s', seconds: 30, months: 0 });
    assert.equal(parseResetDuration('5m')?.seconds, 300);
    assert.equal(parseResetDuration('1w')?.seconds, 604_800);
    assert.equal(parseResetDuration('1Q')?.months, 3);
    assert.equal(parseResetDuration('1Y')?.months, 12);
    assert.equal(parseResetDuration('1 h'), undefined);
    assert.equal(parseResetDuration('0m'), undefined);
  });

  it('cuts fixed windows from the epoch, the same on every node', () => {
    const minute = windowBounds(at, spec('1m'));
    assert.equal(iso(minute.startMs), '2026-12-03T08:17:00.000Z');
    assert.equal(iso(minute.endMs), '2026-12-03T08:18:00.000Z');
    assert.equal(iso(windowBounds(at, spec('5m')).startMs), '2026-12-03T08:15:00.000Z');
    assert.equal(iso(windowBounds(at, spec('1d')).startMs), '2026-12-03T00:00:00.000Z');
  });

  it('starts calendar-aligned weeks on Monday 00:00 UTC', () => {
    const week = windowBounds(at, spec('1w', true));
    assert.equal(iso(week.startMs), '2026-11-30T00:00:00.000Z');
    assert.equal(iso(week.endMs), '2026-12-07T00:00:00.000Z');
  });

  it('follows the UTC calendar for months, quarters and years', () => {
    assert.equal(iso(windowBounds(at, spec('1M', true)).startMs), '2026-12-01T00:00:00.000Z');
    assert.equal(iso(windowBounds(at, spec('1M', true)).endMs), '2027-01-01T00:00:00.000Z');
    assert.equal(iso(windowBounds(at, spec('1Q')).startMs), '2026-10-01T00:00:00.000Z');
    assert.equal(iso(windowBounds(Date.parse('2026-02-14T00:00:00Z'), spec('1Q')).endMs), '2026-04-01T00:00:00.000Z');
    assert.equal(iso(windowBounds(at, spec('1Y')).startMs), '2026-01-01T00:00:00.000Z');
  });

  it('puts an instant on a boundary in the window it starts', () => {
    const boundary = Date.parse('2026-12-03T08:18:00.000Z');
    assert.equal(windowBounds(boundary, spec('1m')).startMs, boundary);
    assert.equal(windowBounds(boundary - 1, spec('1m')).endMs, boundary);
  });
});
