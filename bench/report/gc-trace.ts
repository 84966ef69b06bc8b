import { readFileSync, statSync } from 'node:fs';

/** What the young-generation collections of one step did, from a child's `--trace-gc-nvp` lines. */
export interface ScavengeSummary {
  scavenges: number;
  /** Bytes the scavenges moved into the old generation (objects that outlived two of them). */
  promotedBytes: number;
  pauseMs: number;
}

/** Where a log file ends now, to read only what a step adds to it. */
export function logOffset(file: string): number {
  return statSync(file).size;
}

/**
 * Sums the scavenges logged in `file` after `fromOffset` (a value of logOffset). Promotion is the
 * figure to watch for garbage that lives too long: an object promoted and then dropped costs a
 * copy now and a share of a full collection later (bench/profile-notes.md).
 */
export function readScavenges(file: string, fromOffset: number): ScavengeSummary {
  const text = readFileSync(file).subarray(fromOffset).toString('utf8');
  const summary: ScavengeSummary = { scavenges: 0, promotedBytes: 0, pauseMs: 0 };
  for (const match of text.matchAll(/pause=([\d.]+) .*?gc=s .*?promoted=(\d+)/g)) {
    summary.scavenges += 1;
    summary.pauseMs += Number(match[1]);
    summary.promotedBytes += Number(match[2]);
  }
  return summary;
}
