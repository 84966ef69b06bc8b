import { readCpuMs } from '../report/rss.js';

/** How idle "quiet" is: every process under this share of one CPU over a window. */
const QUIET_CPU_SHARE = 0.03;
const WINDOW_MS = 250;

/**
 * Waits until every listed process is idle (each under 3% of a CPU over 250 ms), or
 * `maxMs` passed. A target pushed past its capacity (Portkey at 1,000 req/s) keeps working
 * through its backlog after the generator stopped; measuring the next target then would
 * charge it for that. `pids` is read again for every window, as a process tree (a database
 * server's backends) changes while it is watched. Returns how long it waited, in ms.
 */
export async function waitForQuiet(pids: () => number[], maxMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const watched = pids();
    if (watched.length === 0) return 0;
    const before = watched.map(readCpuMs);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    // A process that is gone or unreadable (NaN) cannot be judged: the others decide.
    const shares = watched.map((pid, index) => (readCpuMs(pid) - (before[index] ?? NaN)) / WINDOW_MS).filter(Number.isFinite);
    const waited = performance.now() - started;
    if (!shares.some((share) => share >= QUIET_CPU_SHARE) || waited >= maxMs) return waited;
  }
}
