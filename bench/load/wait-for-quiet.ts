import { readCpuMs } from '../report/rss.js';

/** How idle "quiet" is: every process under this share of one CPU over a window. */
const QUIET_CPU_SHARE = 0.03;
const WINDOW_MS = 250;

/**
 * Waits until every listed process is idle (each under 3% of a CPU over 250 ms), or
 * `maxMs` passed. A target pushed past its capacity (Portkey at 1,000 req/s) keeps working
 * through its backlog after the generator stopped; measuring the next target then would
 * charge it for that. Returns how long it waited, in ms.
 */
export async function waitForQuiet(pids: number[], maxMs: number): Promise<number> {
  const started = performance.now();
  if (pids.length === 0) return 0;
  for (;;) {
    const before = pids.map(readCpuMs);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const busiest = Math.max(...pids.map((pid, index) => (readCpuMs(pid) - (before[index] ?? NaN)) / WINDOW_MS));
    const waited = performance.now() - started;
    // NaN (a process gone, /proc unreadable) cannot be judged: do not wait on it.
    if (!(busiest >= QUIET_CPU_SHARE) || waited >= maxMs) return waited;
  }
}
