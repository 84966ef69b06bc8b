import { readFileSync } from 'node:fs';

/** The box's CPU time counters (all CPUs, clock ticks) from /proc/stat. */
export interface CpuTicks {
  steal: number;
  total: number;
}

/** Reads the aggregate `cpu` line of /proc/stat; undefined off Linux. */
export function readCpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return undefined;
    return { steal: fields[7] as number, total: fields.reduce((sum, value) => sum + value, 0) };
  } catch {
    return undefined;
  }
}

/**
 * The share (%) of the box's CPU time that the hypervisor gave to other guests between two
 * readings: time this VM wanted to run and could not. Above a few percent, latency tails
 * measure the neighbours as much as the code.
 */
export function stealPercent(before: CpuTicks | undefined, after: CpuTicks | undefined): number {
  if (!before || !after || after.total <= before.total) return NaN;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}
