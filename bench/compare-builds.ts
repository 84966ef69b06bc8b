/**
 * A/B of two gateway builds under the same open-loop load, alternating (and which goes first) to share the box's
 * noise: `tsx bench/compare-builds.ts <other/main.js> [rate] [rounds]`. Prints p50/p99 and
 * CPU per request of each build per round. Used to check a proposed fix before it lands.
 * COMPARE_GOVERNANCE=1 governs every request (a virtual key with a rate limit and a budget,
 * counters in a PostgreSQL started for the run, one database per build), as the bench's
 * shared-state phase does; COMPARE_REQUEST_LOG=1 logs every request there instead.
 * COMPARE_STREAM=1 sends streamed chat requests (10 chunks each) instead of JSON ones.
 * COMPARE_OTHER_NODE_ARGS adds Node flags to the other build only (after the image's), so that
 * one build can be compared with itself under another flag: pass dist/gateway/main.js as other.
 * COMPARE_OTHER_NODE_ENV (NAME=value pairs, space-separated) does the same with environment
 * variables, e.g. malloc's (MALLOC_ARENA_MAX=1).
 * COMPARE_GC=1 runs both with --trace-gc-nvp and adds, per step, the bytes a request left in V8's
 * old generation and the scavenges' pauses. COMPARE_MODEL sends another model (an unknown one
 * exercises the 400 path: the body read and refused, no upstream call).
 */
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import { summarize } from './load/histogram.js';
import { runOpenLoop } from './load/open-loop.js';
import { openPool, roundOrder } from './phases.js';
import { readPlan } from './plan.js';
import { raisePriority } from './priority.js';
import { logOffset, readScavenges } from './report/gc-trace.js';
import { readCpuMs, readRssMb, sampleRssPeak } from './report/rss.js';
import { childLogPath } from './targets/child.js';
import { GATEWAY_ENTRY, startGatewayNode } from './targets/gateway-node.js';
import { startGovernedNode, startLoggedNode } from './targets/stateful-nodes.js';
import { startUpstream } from './targets/upstream.js';

const other = process.argv[2];
if (!other) throw new Error('usage: tsx bench/compare-builds.ts <other build main.js> [rate] [rounds]');
const rate = Number(process.argv[3] ?? 500);
const rounds = Math.min(10, Number(process.argv[4] ?? 3));
/** NAME=value pairs, space-separated, as an environment. */
function parseEnvPairs(text: string): Record<string, string> {
  const pairs = text.split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`COMPARE_OTHER_NODE_ENV: ${pair} is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
const builds = [
  { name: 'dist', entry: GATEWAY_ENTRY, nodeArgs: [] as string[], env: {} },
  {
    name: 'other',
    entry: join(process.cwd(), other),
    nodeArgs: (process.env.COMPARE_OTHER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    env: parseEnvPairs(process.env.COMPARE_OTHER_NODE_ENV ?? ''),
  },
];
raisePriority();
const upstream = await startUpstream();
const governed = process.env.COMPARE_GOVERNANCE === '1';
const logged = process.env.COMPARE_REQUEST_LOG === '1';
const stream = process.env.COMPARE_STREAM === '1';
const traceGc = process.env.COMPARE_GC === '1';
const model = process.env.COMPARE_MODEL;
const postgres: PostgresServer | undefined = governed || logged ? await startPostgres() : undefined;
const nodes = await Promise.all(
  builds.map(async (b) => {
    const nodeArgs = traceGc ? ['--trace-gc-nvp', ...b.nodeArgs] : b.nodeArgs;
    const options = { upstreamPort: upstream.port, entry: b.entry, name: `gateway-${b.name}`, nodeArgs, env: b.env };
    if (!postgres) return startGatewayNode(options);
    if (logged) return startLoggedNode(postgres, await postgres.createDatabase(`ab_${b.name}`), options);
    return startGovernedNode(postgres, `ab_${b.name}`, options);
  }),
);
try {
  const pools = nodes.map((node) => openPool(model ? { ...node, model } : node, readPlan()));
  for (const pool of pools) await runOpenLoop({ pool: pool.pool, target: pool.target, stream, rate: 400, durationMs: 15_000, drainMs: 5000 });
  for (let round = 1; round <= rounds; round += 1) {
    // Who goes first alternates, as in the bench's rounds: in an A/A run (one build twice) the
    // second of a round used about 12 µs less CPU a request in 6 of 8 rounds at 1,000 req/s.
    for (const index of roundOrder([0, 1], round)) {
      const pool = pools[index] as (typeof pools)[number];
      const pid = pool.target.child?.pid as number;
      const before = readCpuMs(pid);
      const gcLog = childLogPath(pool.target.name);
      const gcFrom = traceGc ? logOffset(gcLog) : 0;
      const rssPeak = sampleRssPeak([pid]);
      const result = await runOpenLoop({ pool: pool.pool, target: pool.target, stream, rate, durationMs: 8000, drainMs: 10_000 });
      const requests = Math.max(1, result.ok + result.errors);
      const cpuUs = ((readCpuMs(pid) - before) * 1000) / requests;
      const peakMb = rssPeak.stop();
      const latency = summarize(result.latency);
      const gc = traceGc ? readScavenges(gcLog, gcFrom) : undefined;
      const gcText = gc ? `, promoted ${(gc.promotedBytes / requests).toFixed(0)} B/req, ${gc.scavenges} scavenges ${gc.pauseMs.toFixed(0)} ms` : '';
      console.log(
        `round ${round} ${builds[index]?.name.padEnd(5)} p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms, cpu/req ${cpuUs.toFixed(0)} µs, RSS peak ${peakMb.toFixed(0)} MB, errors ${result.errors}${gcText}`,
      );
    }
  }
  await Promise.all(pools.map((p) => p.pool.close()));
  // What V8 gives back once the load stopped: its memory reducer runs on an idle heap.
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  for (const [index, node] of nodes.entries())
    console.log(`${builds[index]?.name.padEnd(5)} RSS 30 s after the load: ${readRssMb(node.child?.pid as number).toFixed(0)} MB`);
} finally {
  await Promise.all(nodes.map((node) => node.child?.stop()));
  await upstream.target.child?.stop();
  await postgres?.destroy();
}
