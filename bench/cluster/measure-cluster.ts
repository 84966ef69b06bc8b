import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cluster } from '../../test/e2e/support/cluster.js';
import { DOCKER } from '../../test/e2e/support/run-command.js';
import { measureRates, measureSaturation, openPool, warmUp, type LoadedTarget } from '../phases.js';
import type { BenchPlan } from '../plan.js';
import type { ClusterOutcome } from '../report/results.js';
import { readRssMb } from '../report/rss.js';
import type { Target } from '../targets/target.js';
import { bringUpCluster, checkDocker } from './bring-up.js';
import { measureRollout, type RolloutTiming } from './measure-rollout.js';
import { renderCluster } from './render-cluster.js';

const run = promisify(execFile);
const BRING_UP_BUDGET_MS = Number(process.env.BENCH_CLUSTER_BUDGET_MS ?? 8 * 60_000);
/** Config edits timed per run: the verdict is on every one, so a lucky edit cannot carry it. */
const ROLLOUTS_MEASURED = 3;

/**
 * The host PID of each node's Node.js process, for its CPU and RSS. Not the container's main
 * process: compose runs the nodes under Docker's init (`init: true`), which is that process.
 */
async function nodeHostPids(cluster: Cluster): Promise<number[]> {
  const nodes = await cluster.gatewayNodes();
  return Promise.all(nodes.map((node) => nodeProcessPid(node.id)));
}

async function nodeProcessPid(containerId: string): Promise<number> {
  const { stdout } = await run(DOCKER, ['top', containerId, '-o', 'pid,comm']);
  const pids = stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command]) => command === 'node')
    .map(([pid]) => Number(pid));
  if (pids.length !== 1) throw new Error(`expected one node process in container ${containerId.slice(0, 12)}, found ${pids.length}:\n${stdout}`);
  return pids[0] as number;
}

function clusterTargets(cluster: Cluster, pids: number[]): Target[] {
  return [
    {
      name: 'upstream container',
      origin: cluster.upstreamUrl,
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-e2e-primary' },
      model: 'gpt-4o-mini',
    },
    {
      name: 'nginx + 3 nodes',
      origin: cluster.nginxUrl,
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      model: 'openai/gpt-4o-mini',
      pids,
    },
  ];
}

/** Measures the Docker cluster and rollouts with the e2e harness, or says why it could not. */
export async function measureCluster(plan: BenchPlan, log: (line: string) => void): Promise<ClusterOutcome> {
  if (process.env.BENCH_CLUSTER === '0') return { measured: false, reason: 'skipped for this run (BENCH_CLUSTER=0).' };
  const dockerProblem = await checkDocker();
  if (dockerProblem) return { measured: false, reason: dockerProblem };
  const startedAt = performance.now();
  let cluster: Cluster;
  try {
    log('cluster: building images and starting compose (e2e harness)');
    cluster = await bringUpCluster(BRING_UP_BUDGET_MS, (line) => log(`cluster: ${line}`));
  } catch (error) {
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
    return {
      measured: false,
      reason: `the cluster was not up after ${seconds} s (budget ${BRING_UP_BUDGET_MS / 1000} s, BENCH_CLUSTER_BUDGET_MS): ${(error as Error).message.split('\n')[0]}`,
    };
  }
  const bringUpS = (performance.now() - startedAt) / 1000;
  const loaded: LoadedTarget[] = [];
  try {
    const pids = await nodeHostPids(cluster);
    const nodeIdleRssMb = pids.map(readRssMb);
    const { stdout: nodeVersion } = await run(DOCKER, ['exec', (await cluster.gatewayNodes())[0]?.id ?? '', 'node', '--version']).catch(() => ({
      stdout: 'unknown',
    }));
    loaded.push(...clusterTargets(cluster, pids).map((target) => openPool(target, plan)));
    log(`cluster up in ${bringUpS.toFixed(0)} s; nodes at host pids ${pids.join(', ')}`);
    await warmUp(loaded, plan, (line) => log(`cluster: ${line}`));
    const clusterPlan = { ...plan, rates: plan.quick ? [200] : [200, 500], streamRates: [] };
    const rates = await measureRates(loaded, clusterPlan, false, (line) => log(`cluster: ${line}`));
    const saturation = await measureSaturation(loaded, plan, (line) => log(`cluster: ${line}`));
    const nginx = loaded[1] as LoadedTarget;
    const rollouts: RolloutTiming[] = [];
    for (let revision = 1; revision <= (plan.quick ? 1 : ROLLOUTS_MEASURED); revision += 1) {
      const timing = await measureRollout(cluster, nginx, 100, revision);
      log(`cluster: rollout ${revision}: detected ${timing.detectionMs} ms, converged ${timing.convergedMs} ms, errors ${timing.loadErrors}`);
      rollouts.push(timing);
    }
    const markdown = renderCluster({
      rates,
      saturation,
      nodeIdleRssMb,
      nodesPeakRssMb: nginx.peakRssMb,
      rollouts,
      bringUpS,
      nodeRuntime: `Node ${nodeVersion.trim()} (the e2e base image carries this machine's node binary)`,
    });
    return { measured: true, markdown, rolloutsConvergedS: rollouts.map((r) => r.convergedMs / 1000) };
  } catch (error) {
    return { measured: false, reason: `the cluster came up but measuring failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await Promise.all(loaded.map((l) => l.pool.close()));
    log('cluster: tearing down');
    await cluster.down();
  }
}
