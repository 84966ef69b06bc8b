import type { RateRow, SaturationRow } from './results.js';

/** Number formatting and row lookup shared by the RESULTS.md renderers. */

/** A figure may be NaN, or null once read back from JSON: both print as n/a. */
export const known = (value: number | null | undefined): value is number => typeof value === 'number' && !Number.isNaN(value);
export const ms = (value: number | undefined): string => (known(value) ? value.toFixed(2) : 'n/a');
export const signed = (value: number | undefined): string => (known(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : 'n/a');
export const ratio = (a: number | undefined, b: number | undefined): string => (known(a) && known(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
export const cpu = (value: number | undefined): string => (known(value) ? value.toFixed(0) : 'n/a');
/** A throughput or other count, whole. */
export const whole = cpu;
export const errorText = (errors: number, kinds: Record<string, number>): string =>
  errors === 0
    ? '0'
    : `${errors} (${Object.entries(kinds)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')})`;

/** The row of one target at one rate. */
export function findRow(rows: RateRow[], target: string, rate: number, stream: boolean): RateRow | undefined {
  return rows.find((row) => row.target === target && row.rate === rate && row.stream === stream);
}

/** The saturation row of one target. */
export function findSaturation(rows: SaturationRow[], target: string): SaturationRow | undefined {
  return rows.find((row) => row.target === target);
}
