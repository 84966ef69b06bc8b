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

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen. */
export function sampleRssPeak(pid: number, everyMs = 200): { stop(): number } {
  let peak = readRssMb(pid);
  const timer = setInterval(() => {
    const now = readRssMb(pid);
    if (!(now <= peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = readRssMb(pid);
      return Math.max(peak, Number.isNaN(now) ? 0 : now);
    },
  };
}
