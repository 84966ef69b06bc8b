/**
 * Bifrost accepts retry backoffs either as integer milliseconds or as a Go-style
 * duration string ("500ms", "5s", "1m30s"). This module turns both into milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;

/** Parses milliseconds (number) or a duration string; returns undefined when the input is neither. */
export function parseDurationMs(input: unknown): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? input : undefined;
  }
  if (typeof input !== 'string' || input.length === 0) return undefined;
  if (/^\d+$/.test(input)) return Number(input);

  let total = 0;
  DURATION_PART.lastIndex = 0;
  let consumed = 0;
  for (let match = DURATION_PART.exec(input); match; match = DURATION_PART.exec(input)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === input.length ? total : undefined;
}
