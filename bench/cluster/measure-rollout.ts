import { fingerprintOf } from '../../shared/config/fingerprint.js';
import type { Cluster } from '../../test/e2e/support/cluster.js';
import { initialConfig, withoutRequestLog, withRevision } from '../../test/e2e/support/e2e-config.js';
import { runOpenLoop } from '../load/open-loop.js';
import type { LoadedTarget } from '../phases.js';
import { stepPhases, type RecordedStep, type StepPhases } from './step-phases.js';

/** One node's restart inside the measured rollout, as the reloader recorded it. */
export interface NodeStepTiming {
  node: string;
  position: string;
  outcome: string;
  durationS: number | undefined;
  phases: StepPhases;
  /** From this step's end to the next step's start (the settle time), none after the last. */
  gapAfterS: number | undefined;
}

/** What one config edit took to reach every node. */
export interface RolloutTiming {
  /** Write to the reloader having read the new file (its `checked_at`). */
  detectionMs: number | undefined;
  /** Write to the rollout record's start. */
  rolloutStartMs: number | undefined;
  /** Write to all three nodes on the new fingerprint, in rotation, rollout finished (polled every 100 ms). */
  convergedMs: number;
  outcome: string;
  steps: NodeStepTiming[];
  /** Requests sent through nginx during the rollout, and how many failed. */
  loadRate: number;
  loadOk: number;
  loadErrors: number;
  loadErrorKinds: Record<string, number>;
}

const POLL_MS = 100;

/**
 * Edits config.json (in place, as an editor without backup does) while sending `loadRate`
 * requests per second through nginx, and times detection, rollout start and convergence.
 */
export async function measureRollout(cluster: Cluster, nginx: LoadedTarget, loadRate: number, revision: number): Promise<RolloutTiming> {
  const config = withRevision(withoutRequestLog(initialConfig()), revision);
  const newFingerprint = fingerprintOf(JSON.stringify(config, null, 2) + '\n');
  let converged = false;
  const load = runOpenLoop({
    pool: nginx.pool,
    target: nginx.target,
    stream: false,
    rate: loadRate,
    durationMs: 150_000,
    drainMs: 30_000,
    shouldStop: () => converged,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const writtenAt = Date.now();
  cluster.writeConfigInPlace(config);
  let detectionMs: number | undefined;
  let rolloutStartMs: number | undefined;
  let convergedMs = NaN;
  const deadline = writtenAt + 120_000;
  while (Date.now() < deadline) {
    const status = await cluster.reloaderStatus().catch(() => undefined);
    if (status) {
      const checkedAt = (status.config as { checked_at?: string | null }).checked_at;
      if (detectionMs === undefined && status.config.fingerprint === newFingerprint && checkedAt) detectionMs = Date.parse(checkedAt) - writtenAt;
      const current = status.rollouts.current as { started_at?: string; targets?: string[] } | null;
      if (rolloutStartMs === undefined && current?.targets?.includes(newFingerprint) && current.started_at) {
        rolloutStartMs = Date.parse(current.started_at) - writtenAt;
      }
      const done = status.nodes.filter((node) => node.fingerprint === newFingerprint && node.in_rotation && node.health === 'ok');
      if (done.length === 3 && status.nodes.length === 3 && status.rollouts.current === null) {
        convergedMs = Date.now() - writtenAt;
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  converged = true;
  const loadResult = await load;

  const status = await cluster.reloaderStatus();
  const record = status.rollouts.previous.find((r) => Array.isArray(r.targets) && (r.targets as string[]).includes(newFingerprint)) as
    | { started_at: string; outcome: string; steps: Array<RecordedStep & { node: string; position: string; outcome: string; duration_s?: number }> }
    | undefined;
  if (rolloutStartMs === undefined && record) rolloutStartMs = Date.parse(record.started_at) - writtenAt;
  return {
    detectionMs,
    rolloutStartMs,
    convergedMs,
    outcome: record?.outcome ?? (Number.isNaN(convergedMs) ? 'not converged within 120 s' : 'converged (no rollout record found)'),
    steps: (record?.steps ?? []).map((step, index, steps) => {
      const next = steps[index + 1];
      return {
        node: step.node,
        position: step.position,
        outcome: step.outcome,
        durationS: step.duration_s,
        phases: stepPhases(step),
        gapAfterS: next && step.finished_at ? (Date.parse(next.started_at) - Date.parse(step.finished_at)) / 1000 : undefined,
      };
    }),
    loadRate,
    loadOk: loadResult.ok,
    loadErrors: loadResult.errors,
    loadErrorKinds: loadResult.errorKinds,
  };
}
