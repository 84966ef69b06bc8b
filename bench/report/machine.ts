import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { locatePortkey } from '../targets/portkey.js';

/** The facts a reader needs to compare figures across runs. */
export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  ourVersion: string;
  ourCommit: string;
  portkeyVersion: string;
  /** 1-minute load average when the run started. */
  loadAverageStart: number;
}

function readCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Describes this machine, the runtime and the versions under test. */
export function describeMachine(): MachineInfo {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux: leave unknown
  }
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel,
    node: process.version,
    ourVersion: `${manifest.name} ${manifest.version}`,
    ourCommit: readCommit(),
    portkeyVersion: locatePortkey().version,
    loadAverageStart: loadavg()[0] ?? NaN,
  };
}
