import type { LimitWindow } from '../../shared/config/index.js';

/**
 * Window math. A window is identified by its start, computed from the limit's duration
 * alone, so every node (and the store, which runs the same math in SQL: store/schema-sql.ts)
 * agrees on it whatever its start-up time: fixed lengths are cut from the Unix epoch;
 * calendar-aligned weeks start on Monday 00:00 UTC; months, quarters and years have no fixed
 * length and always follow the UTC calendar (1Q starts in January, April, July, October).
 */

/** What the store needs to cut windows: one of seconds or months is non-zero. */
export interface WindowSpec {
  seconds: number;
  months: number;
  /** Shift of fixed windows from the epoch (Monday alignment of weeks: 4 days). */
  offsetSeconds: number;
}

const WEEK = 604_800;
/** 1970-01-01 was a Thursday; the first Monday 00:00 UTC after it is 4 days later. */
const MONDAY_OFFSET = 4 * 86_400;

/** The spec of a configured window. */
export function toWindowSpec(window: LimitWindow): WindowSpec {
  const { seconds, months } = window.duration;
  const mondays = window.calendarAligned && seconds > 0 && seconds % WEEK === 0;
  return { seconds, months, offsetSeconds: mondays ? MONDAY_OFFSET : 0 };
}

/** The window containing `nowMs`: its start (inclusive) and end (exclusive), in ms. */
export function windowBounds(nowMs: number, spec: WindowSpec): { startMs: number; endMs: number } {
  if (spec.months > 0) {
    const at = new Date(nowMs);
    const index = (at.getUTCFullYear() - 1970) * 12 + at.getUTCMonth();
    const first = Math.floor(index / spec.months) * spec.months;
    return { startMs: Date.UTC(1970, first, 1), endMs: Date.UTC(1970, first + spec.months, 1) };
  }
  const lengthMs = spec.seconds * 1000;
  const offsetMs = spec.offsetSeconds * 1000;
  const startMs = Math.floor((nowMs - offsetMs) / lengthMs) * lengthMs + offsetMs;
  return { startMs, endMs: startMs + lengthMs };
}
