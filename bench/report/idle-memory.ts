import { sleep } from '../../shared/backoff.js';
import type { MemoryRow } from './results.js';
import { readRssMb } from './rss.js';

/** When the first idle reading is taken, seconds after the processes started (as in every run so far). */
export const IDLE_EARLY_S = 2;
/**
 * When the settled idle reading is taken. What start-up allocated (module source, compiled
 * code, the young generation V8 grew while loading) stays resident until V8's memory reducer
 * runs on an idle heap, 9-17 s after start on this box; a node that serves for days idles at
 * the settled figure, not at the start-up one.
 */
export const IDLE_SETTLED_S = 30;

/** A process whose idle memory the bench reads. */
export interface IdleProcess {
  name: string;
  pid: number;
}

/**
 * Reads each process's RSS IDLE_EARLY_S after `startedAt` and again IDLE_SETTLED_S after it,
 * nothing else running meanwhile. Load figures are left NaN for the load phases to fill in.
 */
export async function readIdleMemory(processes: IdleProcess[], startedAt: number): Promise<MemoryRow[]> {
  await sleepUntil(startedAt + IDLE_EARLY_S * 1000);
  const rows: MemoryRow[] = processes.map(({ name, pid }) => ({ target: name, idleMb: readRssMb(pid), peakUnderLoadMb: NaN, idleAfterLoadMb: NaN }));
  await sleepUntil(startedAt + IDLE_SETTLED_S * 1000);
  processes.forEach(({ pid }, index) => {
    (rows[index] as MemoryRow).settledIdleMb = readRssMb(pid);
  });
  return rows;
}

/** The idle figure a load's aftermath is judged against: the settled one where it was read. */
export function idleBaselineMb(row: MemoryRow): number {
  return row.settledIdleMb !== undefined && Number.isFinite(row.settledIdleMb) ? row.settledIdleMb : row.idleMb;
}

function sleepUntil(time: number): Promise<void> {
  return sleep(Math.max(0, time - performance.now()));
}
