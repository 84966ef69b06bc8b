import { Pool } from 'undici';
import { runClosedLoop } from './load/closed-loop.js';
import { summarize } from './load/histogram.js';
import { mergeLoadResults, runOpenLoop, type LoadResult } from './load/open-loop.js';
import { waitForQuiet } from './load/wait-for-quiet.js';
import type { BenchPlan } from './plan.js';
import { readCpuTicks, stealPercent } from './report/cpu-steal.js';
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

/**
 * Processes besides the targets' that the targets share (a database): each step waits for them
 * to be idle too, as they keep working after a step (a batch of log rows, a counter flush) and
 * that work would land on the next target's step; and the CPU they use during each step is
 * reported beside the target's own.
 */
export interface SharedProcesses {
  /** Their pids now; read again for each wait, as the set changes (backends come and go). */
  pids(): number[];
  /** CPU they have used so far, in ms, processes that already ended included. */
  cpuMs(): number;
}

/** One load run against a target, with the CPU it (and the shared processes) spent and the box's CPU steal meanwhile. */
interface Watched<T> {
  result: T;
  cpuMs: number;
  /** NaN when there are no shared processes. */
  sharedCpuMs: number;
  stealPct: number;
}

/** Runs a load against a target, tracking its peak RSS and the CPU ms it and `shared` spent. */
async function watchTarget<T>(loaded: LoadedTarget, run: () => Promise<T>, shared?: SharedProcesses): Promise<Watched<T>> {
  const pids = pidsOf(loaded.target);
  const sampler = pids.length === 0 ? undefined : sampleRssPeak(pids);
  const readCpu = (): number => (pids.length === 0 ? NaN : pids.reduce((sum, pid) => sum + readCpuMs(pid), 0));
  const readSharedCpu = (): number => (shared ? shared.cpuMs() : NaN);
  const cpuBefore = readCpu();
  const sharedCpuBefore = readSharedCpu();
  const ticksBefore = readCpuTicks();
  try {
    const result = await run();
    return {
      result,
      cpuMs: readCpu() - cpuBefore,
      sharedCpuMs: readSharedCpu() - sharedCpuBefore,
      stealPct: stealPercent(ticksBefore, readCpuTicks()),
    };
  } finally {
    if (sampler) loaded.peakRssMb = Math.max(loaded.peakRssMb, sampler.stop());
  }
}

const cpuPerRequestUs = (cpuMs: number, result: LoadResult): number => (result.ok + result.errors > 0 ? (cpuMs * 1000) / (result.ok + result.errors) : NaN);

/** Every process whose CPU the bench watches, to wait for all of them to be idle. */
const allPids = (targets: LoadedTarget[]): number[] => [...new Set(targets.flatMap((loaded) => pidsOf(loaded.target)))];

/** One target's rounds pooled: every request merged, all the CPU over all of them, each round's CPU per request. */
function poolRounds(rounds: Watched<LoadResult>[]): { result: LoadResult; cpuPerRequestUs: number; cpuPerRequestUsByRound: number[] } {
  const result = mergeLoadResults(rounds.map((round) => round.result));
  const cpuMs = rounds.reduce((sum, round) => sum + round.cpuMs, 0);
  return {
    result,
    cpuPerRequestUs: cpuPerRequestUs(cpuMs, result),
    cpuPerRequestUsByRound: rounds.map((round) => cpuPerRequestUs(round.cpuMs, round.result)),
  };
}

/** One rate's rounds for one target, pooled into a table row. */
function toRateRow(target: string, rate: number, stream: boolean, rounds: Watched<LoadResult>[]): RateRow {
  const { result, ...cpu } = poolRounds(rounds);
  const sharedCpuMs = rounds.reduce((sum, round) => sum + round.sharedCpuMs, 0);
  const perRound = rounds.map((round) => summarize(round.result.latency));
  return {
    ...cpu,
    ...(Number.isNaN(sharedCpuMs) ? {} : { sharedCpuPerRequestUs: cpuPerRequestUs(sharedCpuMs, result) }),
    target,
    rate,
    stream,
    latency: summarize(result.latency),
    p50ByRound: perRound.map((latency) => latency.p50),
    p99ByRound: perRound.map((latency) => latency.p99),
    stealPctByRound: rounds.map((round) => round.stealPct),
    ...(stream ? { firstChunk: summarize(result.firstChunk), chunkLag: summarize(result.chunkLag) } : {}),
    throughput: result.throughput,
    ok: result.ok,
    errors: result.errors,
    errorKinds: result.errorKinds,
    sendLagP99: summarize(result.sendLag).p99,
  };
}

/**
 * Warms each target until it runs at its steady state: JSON at `warmupRate` in windows until
 * the target's CPU per request moves less than 10% between two windows (JIT tiers settled),
 * then a short run of streams. A cold node measured 2.5x the CPU per request of a warm one
 * (2,287 against 900 µs at 300 req/s) over its first 20 s.
 */
export async function warmUp(targets: LoadedTarget[], plan: BenchPlan, log: (line: string) => void): Promise<void> {
  for (const loaded of targets) {
    const perWindow: number[] = [];
    for (let window = 1; window <= plan.warmupMaxWindows; window += 1) {
      const { result, cpuMs } = await watchTarget(loaded, () =>
        runOpenLoop({ pool: loaded.pool, target: loaded.target, stream: false, rate: plan.warmupRate, durationMs: plan.warmupWindowMs, drainMs: plan.drainMs }),
      );
      const current = cpuPerRequestUs(cpuMs, result);
      const previous = perWindow.at(-1);
      perWindow.push(current);
      // A target without a process to watch (a container's port) cannot be judged: min windows.
      const settled = previous !== undefined && (Number.isNaN(current) || Math.abs(current - previous) <= 0.1 * previous);
      if (settled) break;
    }
    await runOpenLoop({
      pool: loaded.pool,
      target: loaded.target,
      stream: true,
      rate: plan.warmupRate,
      durationMs: plan.streamWarmupMs,
      drainMs: plan.drainMs,
    });
    log(
      `warmed ${loaded.target.name}: CPU per request by ${plan.warmupWindowMs / 1000} s window ${perWindow.map((us) => (Number.isNaN(us) ? 'n/a' : `${us.toFixed(0)} µs`)).join(', ')}`,
    );
  }
}

/**
 * How the targets' order changes from round to round. What runs just before a step, and how
 * long a target rested since its own last step, move its figures (a heavy target's garbage
 * collection and the box's caches; the A/B tool found the second of two builds about 12 µs a
 * request cheaper in an A/A run; a node after 45 s of rest starts with a young generation V8
 * shrank back), so no target should keep one place.
 *
 * - 'mirrored': as listed in odd rounds, reversed in even ones. Each target follows one
 *   neighbour in some rounds and the other in the rest. The two places next to the middle are
 *   alike, so it is fair between two targets listed there; the first and the last target run
 *   twice in a row at every other round boundary and rest the longest at the others.
 * - 'rotated': round r starts at the r-th target and wraps around (a cyclic Latin square).
 *   Over as many rounds as targets, each takes each place once and rests as long as every
 *   other between its steps (with four: two steps of the others three times, six once); none
 *   runs twice in a row. Fair among all the targets, over whole cycles.
 */
export type RoundDesign = 'mirrored' | 'rotated';

/** The targets in the order round `round` (from 1) runs them, by `design`. */
export function roundOrder<T>(targets: readonly T[], round: number, design: RoundDesign = 'mirrored'): T[] {
  if (design === 'mirrored') return round % 2 === 1 ? [...targets] : [...targets].reverse();
  const start = (round - 1) % targets.length;
  return [...targets.slice(start), ...targets.slice(0, start)];
}

/** How measureInRounds orders and spaces its steps. */
interface RoundsOptions {
  /** Longest wait for quiet before a step. */
  quietMaxMs: number;
  shared?: SharedProcesses;
  design?: RoundDesign;
}

/**
 * Measures `load` against every target in `roundCount` rounds, targets interleaved in each
 * (roundOrder), each run only once every bench process (the shared ones too) is idle;
 * `logRound` sees each run as it ends. Returns each target's runs in round order.
 */
async function measureInRounds(
  targets: LoadedTarget[],
  roundCount: number,
  { quietMaxMs, shared, design }: RoundsOptions,
  load: (loaded: LoadedTarget) => Promise<LoadResult>,
  logRound: (round: number, loaded: LoadedTarget, measured: Watched<LoadResult>, waitedMs: number) => void,
): Promise<Map<LoadedTarget, Watched<LoadResult>[]>> {
  const rounds = new Map<LoadedTarget, Watched<LoadResult>[]>(targets.map((loaded) => [loaded, []]));
  for (let round = 1; round <= roundCount; round += 1) {
    for (const loaded of roundOrder(targets, round, design)) {
      const waitedMs = await waitForQuiet(() => [...allPids(targets), ...(shared?.pids() ?? [])], quietMaxMs);
      const measured = await watchTarget(loaded, () => load(loaded), shared);
      rounds.get(loaded)?.push(measured);
      logRound(round, loaded, measured, waitedMs);
    }
  }
  return rounds;
}

/**
 * Runs every open-loop rate against every target: `plan.rounds` rounds, targets interleaved in
 * each (their order changing by `design`, mirrored unless told) so that drift on the box hits
 * all alike, each step only once every bench process (`shared` too) is idle; the rounds are
 * pooled (p99 over rounds x steps of samples) and each round's p99 kept.
 */
export async function measureRates(
  targets: LoadedTarget[],
  plan: BenchPlan,
  stream: boolean,
  log: (line: string) => void,
  { shared, design }: { shared?: SharedProcesses; design?: RoundDesign } = {},
): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  const durationMs = stream ? plan.streamStepMs : plan.stepMs;
  for (const rate of stream ? plan.streamRates : plan.rates) {
    const rounds = await measureInRounds(
      targets,
      plan.rounds,
      { quietMaxMs: plan.quietMaxMs, shared, design },
      (loaded) => runOpenLoop({ pool: loaded.pool, target: loaded.target, stream, rate, durationMs, drainMs: plan.drainMs }),
      (round, loaded, measured, waitedMs) => {
        const latency = summarize(measured.result.latency);
        log(
          `${stream ? 'stream' : 'json  '} ${String(rate).padStart(5)}/s round ${round} ${loaded.target.name.padEnd(8)} p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms, errors ${measured.result.errors}, cpu/req ${cpuPerRequestUs(measured.cpuMs, measured.result).toFixed(0)} us${shared ? ` (shared ${cpuPerRequestUs(measured.sharedCpuMs, measured.result).toFixed(0)} us)` : ''}, steal ${measured.stealPct.toFixed(1)}% (waited ${(waitedMs / 1000).toFixed(1)} s for quiet)`,
        );
      },
    );
    for (const loaded of targets) rows.push(toRateRow(loaded.target.name, rate, stream, rounds.get(loaded) ?? []));
  }
  return rows;
}

/**
 * Runs the closed-loop maximum against every target: `plan.saturationRounds` rounds, targets
 * interleaved and their order reversed every other round as in measureRates, each run only once
 * every bench process is idle. One run is a poor sample: the same build swung from 3,400 to
 * 4,400 req/s between runs a minute apart.
 */
export async function measureSaturation(targets: LoadedTarget[], plan: BenchPlan, log: (line: string) => void): Promise<SaturationRow[]> {
  const rounds = await measureInRounds(
    targets,
    plan.saturationRounds,
    { quietMaxMs: plan.quietMaxMs },
    (loaded) =>
      runClosedLoop({
        pool: loaded.pool,
        target: loaded.target,
        stream: false,
        concurrency: plan.saturationConcurrency,
        durationMs: plan.saturationMs,
        requestTimeoutMs: 15_000,
      }),
    (round, loaded, measured) => {
      const latency = summarize(measured.result.latency);
      log(
        `saturate round ${round} ${loaded.target.name.padEnd(8)} ${measured.result.throughput.toFixed(0)} req/s, p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms, errors ${measured.result.errors}, cpu/req ${cpuPerRequestUs(measured.cpuMs, measured.result).toFixed(0)} us`,
      );
    },
  );
  return targets.map((loaded) => toSaturationRow(loaded.target.name, plan.saturationConcurrency, rounds.get(loaded) ?? []));
}

/** One target's saturation rounds, pooled into a table row. */
function toSaturationRow(target: string, concurrency: number, rounds: Watched<LoadResult>[]): SaturationRow {
  const { result, ...cpu } = poolRounds(rounds);
  return {
    target,
    concurrency,
    stream: false,
    throughput: result.throughput,
    throughputByRound: rounds.map((round) => round.result.throughput),
    ...cpu,
    latency: summarize(result.latency),
    errors: result.errors,
    errorKinds: result.errorKinds,
  };
}
