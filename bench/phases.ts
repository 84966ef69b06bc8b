import { Pool } from 'undici';
import { runClosedLoop } from './load/closed-loop.js';
import { summarize } from './load/histogram.js';
import { runOpenLoop, type LoadResult } from './load/open-loop.js';
import type { BenchPlan } from './plan.js';
import { readCpuMs, sampleRssPeak } from './report/rss.js';
import type { RateRow, SaturationRow } from './report/results.js';
import { pidsOf, type Target } from './targets/target.js';

/** A target with the generator's connection pool to it and its peak RSS so far. */
export interface LoadedTarget {
  target: Target;
  pool: Pool;
  peakRssMb: number;
}

/** Opens the generator's pool to a target. */
export function openPool(target: Target, plan: BenchPlan): LoadedTarget {
  const pool = new Pool(target.origin, {
    connections: plan.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  return { target, pool, peakRssMb: 0 };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a load against a target, tracking its peak RSS and the CPU ms it spent. */
async function watchTarget<T>(loaded: LoadedTarget, run: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const pids = pidsOf(loaded.target);
  const sampler = pids.length === 0 ? undefined : sampleRssPeak(pids);
  const readCpu = (): number => (pids.length === 0 ? NaN : pids.reduce((sum, pid) => sum + readCpuMs(pid), 0));
  const cpuBefore = readCpu();
  try {
    const result = await run();
    return { result, cpuMs: readCpu() - cpuBefore };
  } finally {
    if (sampler) loaded.peakRssMb = Math.max(loaded.peakRssMb, sampler.stop());
  }
}

const cpuPerRequestUs = (cpuMs: number, result: LoadResult): number => (result.ok + result.errors > 0 ? (cpuMs * 1000) / (result.ok + result.errors) : NaN);

function toRateRow(target: string, rate: number, stream: boolean, result: LoadResult, cpuMs: number): RateRow {
  return {
    cpuPerRequestUs: cpuPerRequestUs(cpuMs, result),
    target,
    rate,
    stream,
    latency: summarize(result.latency),
    ...(stream ? { firstChunk: summarize(result.firstChunk), chunkLag: summarize(result.chunkLag) } : {}),
    throughput: result.throughput,
    ok: result.ok,
    errors: result.errors,
    errorKinds: result.errorKinds,
    sendLagP99: summarize(result.sendLag).p99,
  };
}

/** Warms each target (JIT, connections) with a short open-loop run of each kind. */
export async function warmUp(targets: LoadedTarget[], plan: BenchPlan): Promise<void> {
  for (const loaded of targets) {
    for (const stream of [false, true]) {
      await runOpenLoop({ pool: loaded.pool, target: loaded.target, stream, rate: 300, durationMs: plan.warmupMs / 2, drainMs: plan.drainMs });
    }
  }
}

/** Runs every open-loop rate against every target, interleaved so drift hits all alike. */
export async function measureRates(targets: LoadedTarget[], plan: BenchPlan, stream: boolean, log: (line: string) => void): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  for (const rate of stream ? plan.streamRates : plan.rates) {
    for (const loaded of targets) {
      const durationMs = stream ? plan.streamStepMs : plan.stepMs;
      const { result, cpuMs } = await watchTarget(loaded, () =>
        runOpenLoop({ pool: loaded.pool, target: loaded.target, stream, rate, durationMs, drainMs: plan.drainMs }),
      );
      const row = toRateRow(loaded.target.name, rate, stream, result, cpuMs);
      rows.push(row);
      log(
        `${stream ? 'stream' : 'json  '} ${String(rate).padStart(5)}/s ${loaded.target.name.padEnd(8)} p50 ${row.latency.p50.toFixed(2)} p99 ${row.latency.p99.toFixed(2)} ms, ${row.throughput.toFixed(0)} req/s, errors ${row.errors}, cpu/req ${row.cpuPerRequestUs.toFixed(0)} us`,
      );
      await pause(plan.settleMs);
    }
  }
  return rows;
}

/** Runs the closed-loop maximum against every target. */
export async function measureSaturation(targets: LoadedTarget[], plan: BenchPlan, log: (line: string) => void): Promise<SaturationRow[]> {
  const rows: SaturationRow[] = [];
  for (const loaded of targets) {
    const { result, cpuMs } = await watchTarget(loaded, () =>
      runClosedLoop({
        pool: loaded.pool,
        target: loaded.target,
        stream: false,
        concurrency: plan.saturationConcurrency,
        durationMs: plan.saturationMs,
        requestTimeoutMs: 15_000,
      }),
    );
    const row: SaturationRow = {
      target: loaded.target.name,
      concurrency: plan.saturationConcurrency,
      stream: false,
      throughput: result.throughput,
      cpuPerRequestUs: cpuPerRequestUs(cpuMs, result),
      latency: summarize(result.latency),
      errors: result.errors,
      errorKinds: result.errorKinds,
    };
    rows.push(row);
    log(`saturate ${loaded.target.name.padEnd(8)} ${row.throughput.toFixed(0)} req/s, p50 ${row.latency.p50.toFixed(2)} p99 ${row.latency.p99.toFixed(2)} ms, errors ${row.errors}, cpu/req ${row.cpuPerRequestUs.toFixed(0)} us`);
    await pause(plan.settleMs * 2);
  }
  return rows;
}
