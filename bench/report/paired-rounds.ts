import type { RateRow } from './results.js';

/**
 * A target's added latency in each round: its percentile minus the direct upstream's in the
 * same round. Rounds run back to back, target after target, so a burst of outside load on
 * this shared box lands on one round's pair, not on every round of one target.
 */
export function addedByRound(row: RateRow, direct: RateRow, percentile: 'p50' | 'p99'): number[] | undefined {
  const ours = percentile === 'p50' ? row.p50ByRound : row.p99ByRound;
  const base = percentile === 'p50' ? direct.p50ByRound : direct.p99ByRound;
  if (!ours || !base || ours.length === 0 || ours.length !== base.length) return undefined;
  return ours.map((value, round) => value - (base[round] as number));
}

/**
 * The median of the per-round added latency: the headline's estimate. An overhead of the
 * target's own (queueing, GC pauses) shows in every round and so in the median; one round
 * disturbed from outside does not decide it. Every round is printed beside it.
 */
export function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * (row − base) at a percentile: the median over paired rounds with the rounds themselves, or
 * the pooled difference when the rows carry no rounds (results from before rounds).
 */
export function pairedDifference(row: RateRow, base: RateRow, percentile: 'p50' | 'p99'): { value: number; rounds?: number[] } {
  const rounds = addedByRound(row, base, percentile);
  return rounds ? { value: medianOf(rounds), rounds } : { value: row.latency[percentile] - base.latency[percentile] };
}
