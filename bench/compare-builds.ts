/**
 * A/B of two gateway builds under the same open-loop load, alternating to share the box's
 * noise: `tsx bench/compare-builds.ts <other/main.js> [rate] [rounds]`. Prints p50/p99 and
 * CPU per request of each build per round. Used to check a proposed fix before it lands.
 * COMPARE_GOVERNANCE=1 governs every request (a virtual key with a rate limit and a budget,
 * counters in a PostgreSQL started for the run, one database per build), as the bench's
 * shared-state phase does.
 */
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import { summarize } from './load/histogram.js';
import { runOpenLoop } from './load/open-loop.js';
import { openPool } from './phases.js';
import { readPlan } from './plan.js';
import { raisePriority } from './priority.js';
import { readCpuMs } from './report/rss.js';
import { GATEWAY_ENTRY, startGatewayNode } from './targets/gateway-node.js';
import { startUpstream } from './targets/upstream.js';

const other = process.argv[2];
if (!other) throw new Error('usage: tsx bench/compare-builds.ts <other build main.js> [rate] [rounds]');
const rate = Number(process.argv[3] ?? 500);
const rounds = Math.min(10, Number(process.argv[4] ?? 3));
raisePriority();
const upstream = await startUpstream();
const builds = [
  { name: 'dist', entry: GATEWAY_ENTRY },
  { name: 'other', entry: join(process.cwd(), other) },
];
const governed = process.env.COMPARE_GOVERNANCE === '1';
const postgres: PostgresServer | undefined = governed ? await startPostgres() : undefined;
const VIRTUAL_KEY = 'sk-bf-compare-builds-0001';
const governance = {
  virtual_keys: [{ id: 'ab', value: VIRTUAL_KEY, rate_limit_id: 'ab', budget_id: 'ab', allow_all_providers: true }],
  rate_limits: [{ id: 'ab', request_max_limit: 1_000_000_000, request_reset_duration: '1Y', token_max_limit: 1_000_000_000_000, token_reset_duration: '1Y' }],
  budgets: [{ id: 'ab', max_limit: 1_000_000, reset_duration: '1Y' }],
};
const nodes = await Promise.all(
  builds.map(async (b) => {
    const options = { upstreamPort: upstream.port, entry: b.entry, name: `gateway-${b.name}` };
    if (!postgres) return startGatewayNode(options);
    const database = postgres.url(await postgres.createDatabase(`ab_${b.name}`));
    return startGatewayNode({
      ...options,
      extraConfig: { governance },
      env: { GOVERNANCE_DATABASE_URL: database },
      headers: { 'x-bf-vk': VIRTUAL_KEY },
    });
  }),
);
try {
  const pools = nodes.map((node) => openPool(node, readPlan()));
  for (const pool of pools) await runOpenLoop({ pool: pool.pool, target: pool.target, stream: false, rate: 400, durationMs: 15_000, drainMs: 5000 });
  for (let round = 1; round <= rounds; round += 1) {
    for (const [index, pool] of pools.entries()) {
      const pid = pool.target.child?.pid as number;
      const before = readCpuMs(pid);
      const result = await runOpenLoop({ pool: pool.pool, target: pool.target, stream: false, rate, durationMs: 8000, drainMs: 10_000 });
      const cpuUs = ((readCpuMs(pid) - before) * 1000) / Math.max(1, result.ok + result.errors);
      const latency = summarize(result.latency);
      console.log(
        `round ${round} ${builds[index]?.name.padEnd(5)} p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms, cpu/req ${cpuUs.toFixed(0)} µs, errors ${result.errors}`,
      );
    }
  }
  await Promise.all(pools.map((p) => p.pool.close()));
} finally {
  await Promise.all(nodes.map((node) => node.child?.stop()));
  await upstream.target.child?.stop();
  await postgres?.destroy();
}
