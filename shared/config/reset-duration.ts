/**
 * Bifrost's reset durations for budgets and rate limits: `30s 1m 5m 1h 1d 1w 1M 1Q 1Y`
 * (any positive count of those units). Seconds to weeks are fixed lengths; months,
 * quarters and years have no fixed length, so they are kept as calendar units and only
 * turned into instants by the window math (gateway/governance/windows.ts and its SQL twin).
 */

/** A parsed reset duration. */
export interface ResetDuration {
  /** The text as written in config.json, for messages ("resets every 1h"). */
  text: string;
  /** A fixed length in seconds, or a count of calendar months (1M = 1, 1Q = 3, 1Y = 12). */
  seconds: number;
  months: number;
}

const PATTERN = /^(\d+)(s|m|h|d|w|M|Q|Y)$/;
const FIXED_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const MONTHS: Readonly<Record<string, number>> = { M: 1, Q: 3, Y: 12 };

/** Parses a reset duration; undefined when the text is not one. */
export function parseResetDuration(text: unknown): ResetDuration | undefined {
  if (typeof text !== 'string') return undefined;
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = match[2] as string;
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  const months = MONTHS[unit];
  if (months !== undefined) return { text, seconds: 0, months: count * months };
  return { text, seconds: count * (FIXED_SECONDS[unit] as number), months: 0 };
}
