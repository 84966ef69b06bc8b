import assert from 'node:assert/strict';
import { createIsoTimestamp } from '../../shared/iso-timestamp.js';

/** pino's own isoTime, for a given instant. */
function pinoIsoTime(ms: number): string {
  return `,"time":"${new Date(ms).toISOString()}"`;
}

describe('createIsoTimestamp', () => {
  it('writes what pino.stdTimeFunctions.isoTime writes, across milliseconds, seconds, days and years', () => {
    const instants = [
      Date.UTC(2026, 11, 3, 14, 38, 52, 0),
      Date.UTC(2026, 11, 3, 14, 38, 52, 7),
      Date.UTC(2026, 11, 3, 14, 38, 52, 42),
      Date.UTC(2026, 11, 3, 14, 38, 52, 999),
      Date.UTC(2026, 11, 3, 14, 38, 53, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 1),
      Date.UTC(2026, 11, 3, 14, 38, 52, 500),
    ];
    let current = 0;
    const timestamp = createIsoTimestamp(() => current);
    for (const instant of instants) {
      current = instant;
      assert.equal(timestamp(), pinoIsoTime(instant));
    }
  });

  it('agrees with pino over a run of random instants', () => {
    let current = 0;
    const timestamp = createIsoTimestamp(() => current);
    let seed = 12345;
    for (let i = 0; i < 5000; i += 1) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // Mostly small steps forward (a busy node), sometimes a jump.
      current = i % 100 === 0 ? Date.UTC(2020 + (seed % 10), seed % 12, 1 + (seed % 28)) + (seed % 86_400_000) : current + (seed % 1500);
      assert.equal(timestamp(), pinoIsoTime(current));
    }
  });
});
