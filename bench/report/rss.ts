import { readFileSync } from 'node:fs';

/** Resident memory of a process in MB, from /proc/<pid>/status VmRSS; NaN when unreadable. */
export function readRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples the summed RSS of processes every `everyMs` until stopped; returns the peak seen. */
export function sampleRssPeak(pids: number[], everyMs = 200): { stop(): number } {
  const readSum = (): number => pids.reduce((sum, pid) => sum + readRssMb(pid), 0);
  let peak = readSum();
  const timer = setInterval(() => {
    const now = readSum();
    if (!(now <= peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = readSum();
      return Math.max(peak, Number.isNaN(now) ? 0 : now);
    },
  };
}

const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat from the state on (field 3), or undefined when unreadable. */
function readStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name before them is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Sum of two clock-tick fields of /proc/<pid>/stat (0-based after the command name), in ms. */
function readTicksMs(pid: number, first: number, second: number): number {
  const fields = readStatFields(pid);
  return fields ? ((Number(fields[first]) + Number(fields[second])) * 1000) / TICKS_PER_SECOND : NaN;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; NaN when unreadable. */
export function readCpuMs(pid: number): number {
  return readTicksMs(pid, 11, 12);
}

/** CPU time its children that ended (and were reaped) used, in ms (cutime + cstime); NaN when unreadable. */
export function readReapedChildrenCpuMs(pid: number): number {
  return readTicksMs(pid, 13, 14);
}

/** How close to its idle RSS a process must come after a load to count as settled. */
export const SETTLE_RATIO = 1.2;
/**
 * How long the bench watches for it: past the node's idle trim, which gives back the old
 * generation a load left only after a minute of quiet (gateway/lifecycle/idle-memory-trim.ts).
 */
export const SETTLE_WATCH_S = 100;

/**
 * Polls a process's RSS each second, starting `alreadyWaitedS` after the load ended, until it
 * is at most `thresholdMb`; returns the seconds since the load then, null when it did not get
 * there within SETTLE_WATCH_S, undefined when the process could no longer be read. A node gives
 * back the heap a load grew only once it has been quiet for a while (its idle trim; V8's memory
 * reducer in other programs), so one reading 5 s after a load says little about whether the
 * memory comes back.
 */
export async function watchRssSettle(
  pid: number,
  thresholdMb: number,
  alreadyWaitedS: number,
  /** Called with each reading, so the log can show the path a miss took. */
  onReading?: (second: number, rssMb: number) => void,
): Promise<number | null | undefined> {
  for (let second = alreadyWaitedS; second <= SETTLE_WATCH_S; second += 1) {
    const rss = readRssMb(pid);
    if (Number.isNaN(rss)) return undefined;
    onReading?.(second, rss);
    if (rss <= thresholdMb) return second;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return null;
}
