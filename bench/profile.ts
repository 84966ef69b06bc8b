/**
 * Profiles one target under open-loop load: `tsx bench/profile.ts <gateway|passthrough|portkey> [rate] [seconds]`.
 * Starts the upstream and the target with --cpu-prof, loads it, stops it, and prints the
 * functions and packages that used the most CPU. Profiles stay in bench/.work/profiles.
 * PROFILE_GOVERNANCE=1 governs every request to the gateway, PROFILE_REQUEST_LOG=1 logs each
 * one (PostgreSQL started for the run), as the bench's shared-state phase does.
 * PROFILE_ENTRY=<other build's gateway/main.js> profiles that build of the gateway instead of dist/.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from '../test/support/postgres-server.js';
import { runOpenLoop } from './load/open-loop.js';
import { summarize } from './load/histogram.js';
import { openPool } from './phases.js';
import { readPlan } from './plan.js';
import { raisePriority } from './priority.js';
import { summarizeProfile } from './report/profile-summary.js';
import { WORK_DIR } from './targets/child.js';
import { startGatewayNode } from './targets/gateway-node.js';
import { startGovernedNode, startLoggedNode } from './targets/stateful-nodes.js';
import { startPassthrough } from './targets/passthrough.js';
import { startPortkey } from './targets/portkey.js';
import type { Target } from './targets/target.js';
import { startUpstream } from './targets/upstream.js';

const which = process.argv[2] === 'portkey' || process.argv[2] === 'passthrough' ? process.argv[2] : 'gateway';
const rate = Number(process.argv[3] ?? 1000);
const seconds = Math.min(60, Number(process.argv[4] ?? 10));
const stream = process.env.BENCH_STREAM === '1';
const profileDir = join(WORK_DIR, 'profiles', which);
rmSync(profileDir, { recursive: true, force: true });
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];

raisePriority();
const upstream = await startUpstream();
const governed = process.env.PROFILE_GOVERNANCE === '1';
const logged = process.env.PROFILE_REQUEST_LOG === '1';
const postgres = which === 'gateway' && (governed || logged) ? await startPostgres() : undefined;

/** The gateway as profiled: plain, governed, or logging each request. */
async function startProfiledGateway(): Promise<Target> {
  const options = { upstreamPort: upstream.port, nodeArgs, ...(process.env.PROFILE_ENTRY ? { entry: process.env.PROFILE_ENTRY } : {}) };
  if (!postgres) return startGatewayNode(options);
  if (governed) return startGovernedNode(postgres, 'profile', options);
  return startLoggedNode(postgres, await postgres.createDatabase('profile'), options);
}

const target =
  which === 'portkey'
    ? await startPortkey(upstream.port, nodeArgs)
    : which === 'passthrough'
      ? await startPassthrough(upstream.port, nodeArgs)
      : await startProfiledGateway();
try {
  const loaded = openPool(target, readPlan());
  await runOpenLoop({ pool: loaded.pool, target, stream, rate: 200, durationMs: 2000, drainMs: 5000 });
  const result = await runOpenLoop({ pool: loaded.pool, target, stream, rate, durationMs: seconds * 1000, drainMs: 10_000 });
  const latency = summarize(result.latency);
  console.log(
    `${which} at ${rate}/s${stream ? ' (stream)' : ''}: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, ok ${result.ok}, errors ${result.errors}`,
  );
  await loaded.pool.close();
} finally {
  await target.child?.stop(10_000);
  await upstream.target.child?.stop();
  await postgres?.destroy();
}
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${profileDir}`);
const summary = summarizeProfile(join(profileDir, file));
console.log(`\nbusy CPU ${summary.busyMs.toFixed(0)} ms; profile ${join(profileDir, file)}\n\nby package (self time):`);
for (const spot of summary.packages.slice(0, 12)) console.log(`  ${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.name}`);
console.log('\nby function (self time):');
for (const spot of summary.functions) console.log(`  ${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.name}`);
console.log('\nour code (dist/) by inclusive time:');
for (const spot of summary.ownInclusive) console.log(`  ${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.name}`);
