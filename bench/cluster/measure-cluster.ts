import type { BenchPlan } from '../plan.js';
import type { ClusterOutcome } from '../report/results.js';

/** Measures the Docker cluster and a rollout, or says why it could not. */
export async function measureCluster(_plan: BenchPlan, _log: (line: string) => void): Promise<ClusterOutcome> {
  if (process.env.BENCH_CLUSTER === '0') return { measured: false, reason: 'skipped (BENCH_CLUSTER=0).' };
  return { measured: false, reason: 'the cluster harness is not wired into the bench yet.' };
}
