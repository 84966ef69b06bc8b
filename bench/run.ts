/**
 * `npm run bench`: one run against every target (direct upstream, a bare pass-through, one
 * gateway node, Portkey),
 * then the cluster and rollout when Docker allows; writes bench/RESULTS.md.
 * BENCH_QUICK=1 makes it a short smoke run. BENCH_CLUSTER=0 skips the cluster;
 * BENCH_ONLY=cluster runs only the cluster phase and prints its section (RESULTS.md untouched);
 * BENCH_ONLY=state runs only the shared-state phases (governance and request log on/off, governance
 * accuracy, log queries at scale) and prints them; BENCH_LOG_ROWS sets the log sizes (default
 * 1000000,5000000).
 * BENCH_ONLY=render re-renders RESULTS.md from the last run (bench/.work/last-results.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { measureCluster } from './cluster/measure-cluster.js';
import { measureGovernanceAccuracy } from './governance/accuracy.js';
import { measureRates, measureSaturation, openPool, warmUp, type LoadedTarget } from './phases.js';
import { readPlan } from './plan.js';
import { raisePriority } from './priority.js';
import { describeMachine } from './report/machine.js';
import { measureLogQueries } from './request-log/query-at-scale.js';
import type { BenchResults, MemoryRow, SectionOutcome } from './report/results.js';
import { measureStateCosts } from './state/measure-state-costs.js';
import type { StateCostFigures } from './state/render-state-costs.js';
import { readCpuTicks, stealPercent } from './report/cpu-steal.js';
import { IDLE_EARLY_S, IDLE_SETTLED_S, idleBaselineMb, readIdleMemory } from './report/idle-memory.js';
import { readRssMb, SETTLE_RATIO, SETTLE_WATCH_S, watchRssSettle } from './report/rss.js';
import { writeResults } from './report/write-results.js';
import { WORK_DIR, type Child } from './targets/child.js';
import { imageNodeFlags } from '../test/support/image-node-runtime.js';
import { startGatewayNode } from './targets/gateway-node.js';
import { LIBRARY_FLOOR_ROW, startLibraryFloor } from './targets/library-floor.js';
import { startPassthrough } from './targets/passthrough.js';
import { startPortkey } from './targets/portkey.js';
import type { Target } from './targets/target.js';
import { measureStartupMs } from './startup.js';
import { startUpstream } from './targets/upstream.js';

const WATCHDOG_MS = 50 * 60_000;
/** Starts of a node timed before the load phases (the box is idle then). */
const STARTUP_SAMPLES = 7;
const LAST_RESULTS = join(WORK_DIR, 'last-results.json');
const started = performance.now();
const children: Child[] = [];
const log = (line: string): void => {
  process.stdout.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
};

async function stopChildren(): Promise<void> {
  await Promise.all(children.map((child) => child.stop()));
}

/** Stops every child the bench started but `keep`, and forgets them. */
async function stopChildrenExcept(keep: Child | undefined): Promise<void> {
  const stopping = children.filter((child) => child !== keep);
  children.splice(0, children.length, ...children.filter((child) => child === keep));
  await Promise.all(stopping.map((child) => child.stop()));
}

async function tryStart(name: string, start: () => Promise<Target>, missing: Record<string, string>): Promise<Target | undefined> {
  try {
    const target = await start();
    if (target.child) children.push(target.child);
    log(`${name} ready at ${target.origin} (pid ${target.child?.pid ?? '-'})`);
    return target;
  } catch (error) {
    missing[name] = (error as Error).message;
    log(`${name} not started: ${(error as Error).message}`);
    return undefined;
  }
}

/** Runs a phase that yields a section; a failure becomes the section's reason, not the run's end. */
async function section<T extends SectionOutcome>(title: string, measure: () => Promise<T | string>): Promise<{ title: string; outcome: SectionOutcome | T }> {
  log(`${title}: measuring`);
  try {
    const result = await measure();
    return { title, outcome: typeof result === 'string' ? { measured: true, markdown: result } : result };
  } catch (error) {
    log(`${title}: failed: ${(error as Error).message}`);
    return { title, outcome: { measured: false, reason: `failed: ${(error as Error).message}` } };
  }
}

/** The log sizes of the query phase: BENCH_LOG_ROWS, or 1 and 5 million (100,000 in a quick run). */
function logSizes(quick: boolean): number[] {
  const given = (process.env.BENCH_LOG_ROWS ?? '')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return given.length > 0 ? given : quick ? [100_000] : [1_000_000, 5_000_000];
}

/** The phases of the cluster's shared state: needs the upstream running; PostgreSQL is started by each. */
async function measureStateSections(upstream: { target: Target; port: number }, plan: ReturnType<typeof readPlan>) {
  return [
    await section('Shared state: governance and request log on vs off', () => measureStateCosts(upstream.target, upstream.port, plan, log)),
    await section('Governance accuracy across three nodes', () => measureGovernanceAccuracy(plan.quick ? 1 : 5)),
    await section('Request log queries at scale', () => measureLogQueries(logSizes(plan.quick))),
  ];
}

async function main(): Promise<void> {
  const plan = readPlan();
  const nice = raisePriority();
  if (process.env.BENCH_ONLY === 'render') {
    // Re-renders RESULTS.md from the last run's figures (e.g. after editing bench/profile-notes.md).
    writeResults(JSON.parse(readFileSync(LAST_RESULTS, 'utf8'), (_key, value: unknown) => (value === 'NaN' ? NaN : value)) as BenchResults);
    log('re-rendered bench/RESULTS.md from the last run');
    return;
  }
  if (process.env.BENCH_ONLY === 'cluster') {
    const cluster = await measureCluster(plan, log);
    process.stdout.write(`${cluster.measured ? cluster.markdown : `not measured: ${cluster.reason}`}\n`);
    return;
  }
  if (process.env.BENCH_ONLY === 'state') {
    const upstream = await startUpstream();
    if (upstream.target.child) children.push(upstream.target.child);
    for (const { title, outcome } of await measureStateSections(upstream, plan)) {
      process.stdout.write(`\n## ${title}\n\n${outcome.measured ? outcome.markdown : `not measured: ${outcome.reason}`}\n`);
    }
    await stopChildren();
    return;
  }
  const machine = describeMachine();
  const ticksAtStart = readCpuTicks();
  const missingTargets: Record<string, string> = {};
  const upstream = await startUpstream();
  if (upstream.target.child) children.push(upstream.target.child);
  log(`upstream ready on port ${upstream.port}`);
  const startupMs = await measureStartupMs(upstream.port, STARTUP_SAMPLES);
  log(`gateway start-up to /health: ${startupMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  const passthrough = await tryStart('passthrough', () => startPassthrough(upstream.port), missingTargets);
  const gateway = await tryStart('gateway', () => startGatewayNode({ upstreamPort: upstream.port }), missingTargets);
  // Started beside the node, so that both are read at the same age.
  const libraryFloor = await startLibraryFloor().catch((error: Error) => {
    log(`library floor not started: ${error.message}`);
    return undefined;
  });
  const portkey = await tryStart('portkey', () => startPortkey(upstream.port), missingTargets);
  const idle = [passthrough, gateway, portkey].flatMap((target) => (target?.child ? [{ name: target.name, pid: target.child.pid }] : []));
  if (libraryFloor) {
    children.push(libraryFloor);
    idle.push({ name: LIBRARY_FLOOR_ROW, pid: libraryFloor.pid });
  }
  log(`reading idle memory ${IDLE_EARLY_S} s and ${IDLE_SETTLED_S} s after start`);
  const memory: MemoryRow[] = await readIdleMemory(idle, performance.now());
  await libraryFloor?.stop();

  const targets: LoadedTarget[] = [upstream.target, passthrough, gateway, portkey]
    .filter((target): target is Target => target !== undefined)
    .map((target) => openPool(target, plan));
  log(`warming up ${targets.map((t) => t.target.name).join(', ')}`);
  await warmUp(targets, plan, log);
  const rates = [...(await measureRates(targets, plan, false, log)), ...(await measureRates(targets, plan, true, log))];
  const saturation = await measureSaturation(targets, plan, log);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  for (const row of memory) {
    const loaded = targets.find((t) => t.target.name === row.target);
    row.peakUnderLoadMb = loaded?.peakRssMb ?? NaN;
    row.idleAfterLoadMb = loaded?.target.child ? readRssMb(loaded.target.child.pid) : NaN;
  }
  const gatewayMemory = memory.find((row) => row.target === 'gateway');
  const gatewayPid = gateway?.child?.pid;
  if (gatewayMemory && gatewayPid !== undefined) {
    const path: string[] = [];
    const thresholdMb = idleBaselineMb(gatewayMemory) * SETTLE_RATIO;
    const settled = await watchRssSettle(gatewayPid, thresholdMb, 5, (second, rssMb) => {
      if (second % 5 === 0) path.push(`${second} s ${rssMb.toFixed(1)}`);
    });
    if (settled !== undefined) gatewayMemory.settledAfterS = settled;
    log(
      `gateway RSS back within ${SETTLE_RATIO}x of idle (${thresholdMb.toFixed(1)} MB): ${settled === null ? `not within ${SETTLE_WATCH_S} s` : settled === undefined ? 'not watched (process gone)' : `after ${settled} s`}; RSS after the load: ${path.join(', ')} MB`,
    );
  }
  const upstreamPeak = targets.find((t) => t.target.name === 'direct')?.peakRssMb ?? NaN;
  memory.push({ target: 'mock upstream', idleMb: NaN, peakUnderLoadMb: upstreamPeak, idleAfterLoadMb: NaN });

  await Promise.all(targets.map((t) => t.pool.close()));
  // The shared-state phases run beside the upstream alone, as under BENCH_ONLY=state: the
  // targets measured so far have no part in them and would only share the box.
  await stopChildrenExcept(upstream.target.child);
  const sections = await measureStateSections(upstream, plan);
  const stateOutcome = sections[0]?.outcome as { figures?: StateCostFigures } | undefined;
  await stopChildren();
  children.length = 0;

  const cluster = await measureCluster(plan, log);
  const results: BenchResults = {
    machine,
    quick: plan.quick,
    planText: `${nice === undefined ? 'Normal scheduling priority' : `All bench processes at nice ${nice} (BENCH_NICE), so other work on the box disturbs them less`}. Plan: warm-up per target at ${plan.warmupRate} req/s in ${plan.warmupWindowMs / 1000} s windows until its CPU per request moves under 10% (at most ${plan.warmupMaxWindows} windows), then ${plan.streamWarmupMs / 1000} s of streams; open-loop steps of ${plan.stepMs / 1000} s (streams ${plan.streamStepMs / 1000} s), ${plan.rounds} round(s) per rate with targets interleaved, their order reversed every other round, pooled; each step starts once every bench process is idle (under 3% CPU, waiting at most ${plan.quietMaxMs / 1000} s); saturation: ${plan.saturationConcurrency} closed-loop workers for ${plan.saturationMs / 1000} s, ${plan.saturationRounds} round(s) with targets interleaved as for the rates; generator pool ${plan.connections} keep-alive connections per target (undici). Gateway nodes run with the image's Node flags (${imageNodeFlags().join(' ') || 'none'}, NODE_OPTIONS and CMD in gateway/Dockerfile).`,
    targets: targets.map((t) => t.target.name),
    missingTargets,
    rates,
    saturation,
    memory,
    startupMs,
    cluster,
    sections,
    ...(stateOutcome?.figures ? { stateCosts: stateOutcome.figures } : {}),
    durationS: (performance.now() - started) / 1000,
    loadAverageEnd: loadavg()[0] ?? NaN,
    stealPctRun: stealPercent(ticksAtStart, readCpuTicks()),
  };
  mkdirSync(WORK_DIR, { recursive: true });
  writeFileSync(
    LAST_RESULTS,
    JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? 'NaN' : value)),
  );
  writeResults(results);
  log('wrote bench/RESULTS.md');
}

const watchdog = setTimeout(() => {
  log('watchdog: the bench ran too long; stopping');
  void stopChildren().finally(() => process.exit(2));
}, WATCHDOG_MS);
watchdog.unref();
// Whatever ends this process (an error, a closed stdout), no child it started outlives it.
process.on('exit', () => {
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
});
process.stdout.on('error', () => undefined);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopChildren().finally(() => process.exit(130)));
}
main().then(
  () => clearTimeout(watchdog),
  async (error: unknown) => {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    await stopChildren();
    process.exitCode = 1;
  },
);
