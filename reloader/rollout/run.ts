import type { DockerPort } from '../platform/compose/docker-port.js';
import type { ConfigEvaluation } from '../config/evaluate.js';
import { shortFp } from '../format.js';
import type { HealthProbe } from '../platform/health-probe.js';
import type { Logger } from '../../shared/logger.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import { observeNodes } from '../platform/compose/observe-nodes.js';
import { planRollout, type ObservedNode } from './plan.js';
import { sleep } from '../../shared/backoff.js';
import { rollNode } from './roll-node.js';
import type { RestartJournal } from './restart-journal.js';
import type { RolloutHistory, RolloutRecord, RolloutTrigger } from './history.js';

/** State shared between the controller and a running rollout. */
export interface RolloutState {
  /** Fingerprint of the newest valid config file. */
  desired: string | undefined;
  /** The node the last halted rollout stopped at; the next rollout begins with it. */
  failedNodeId: string | undefined;
  /** Set when a rollout halted: no automatic retry until a new valid edit or POST /rollout. */
  halted: { fingerprint: string; node: string; reason: string } | undefined;
  /** Fingerprints a node being restarted may come back on: the target and any newer valid edit. */
  acceptable: Set<string>;
  stopping: boolean;
}

/** What a rollout needs. */
export interface RolloutDeps {
  docker: DockerPort;
  probe: HealthProbe;
  logger: Logger;
  metrics: ReloaderMetrics;
  history: RolloutHistory;
  journal: RestartJournal;
  state: RolloutState;
  applyRotation: (nodes: readonly ObservedNode[], excludeId?: string) => Promise<void>;
  /** Re-reads the file right before each restart: a node loads whatever is on disk. */
  readConfig: () => Promise<ConfigEvaluation>;
  /** Shares each fresh observation, so the status API stays current during a rollout. */
  onObserved?: (nodes: ObservedNode[]) => void;
  /** Feeds a fresher verdict on the file back to the controller. */
  onConfig: (evaluation: ConfigEvaluation) => void;
  healthTimeoutMs: number;
  drainTimeoutMs: number;
  stopTimeoutS: number;
  /** Pause after a node is back in rotation before the next one is taken out. */
  settleMs: number;
  pollMs: number;
}

/**
 * Runs one rollout to its end: plans from fresh observations before every node, so an
 * edit made meanwhile is picked up (the node being restarted is not interrupted) and
 * nodes restarted on an older file are restarted again. Halts at the first node that
 * does not come back.
 */
export async function runRollout(deps: RolloutDeps, trigger: RolloutTrigger, forced: Set<string>): Promise<RolloutRecord> {
  const { state, history, logger } = deps;
  const record = history.begin(trigger, state.desired ?? '');
  const started = Date.now();
  logger.info({ trigger, target: state.desired }, `rollout started (${trigger}) towards ${shortFp(state.desired ?? '')}`);
  let lastRestartedId: string | undefined;
  let waitingSince: number | undefined;
  let settlePending = false;

  const finish = (outcome: RolloutRecord['outcome'], reason?: string): RolloutRecord => {
    history.end(record, outcome, reason);
    deps.metrics.rollouts.inc({ outcome });
    deps.metrics.rolloutDuration.observe({ outcome }, (Date.now() - started) / 1000);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (outcome === 'complete') logger.info(`rollout complete in ${seconds} s`);
    else logger.warn({ outcome, reason }, `rollout ${outcome} after ${seconds} s: ${reason ?? ''}`);
    return record;
  };

  for (let round = 0; round < 1000; round++) {
    if (state.stopping) return finish('paused', 'the reloader is shutting down');
    const desired = state.desired;
    if (desired === undefined) return finish('paused', 'no valid config');
    let nodes: ObservedNode[];
    try {
      nodes = await observeNodes(deps.docker, deps.probe);
      deps.onObserved?.(nodes);
    } catch (error) {
      return finish('failed', `Docker API: ${(error as Error).message}`);
    }
    history.retarget(record, desired);
    const plan = planRollout({ nodes, desired, forced, failedNodeId: state.failedNodeId, lastRestartedId });
    if (plan.kind === 'done') return finish('complete');
    if (plan.kind === 'wait') {
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        logger.info(plan.reason);
      } else if (Date.now() - waitingSince > deps.healthTimeoutMs) {
        return finish('blocked', plan.reason);
      }
      await sleep(Math.max(deps.pollMs, 200));
      continue;
    }
    waitingSince = undefined;
    if (settlePending && deps.settleMs > 0) {
      // Let the node just put back take traffic before the next one leaves; then look again.
      settlePending = false;
      await sleep(deps.settleMs);
      continue;
    }

    const onDisk = await deps.readConfig();
    if (onDisk.kind !== 'valid') {
      deps.onConfig(onDisk);
      return finish('paused', 'the config file is not valid right now: no node is restarted until a valid edit');
    }
    if (onDisk.fingerprint !== desired) {
      deps.onConfig(onDisk);
      continue;
    }

    const { node, position, total } = plan;
    const label = `node ${position}/${total} ${node.name}`;
    const step = history.beginStep(record, node, `${position}/${total}`, desired);
    state.acceptable = new Set([desired]);
    const stepStarted = Date.now();
    const result = await rollNode(
      {
        docker: deps.docker,
        probe: deps.probe,
        logger,
        history,
        journal: deps.journal,
        applyRotation: async (excludeId) => deps.applyRotation(await observeNodes(deps.docker, deps.probe), excludeId),
        acceptable: (fp) => state.acceptable.has(fp),
        drainTimeoutMs: deps.drainTimeoutMs,
        stopTimeoutS: deps.stopTimeoutS,
        healthTimeoutMs: deps.healthTimeoutMs,
        pollMs: deps.pollMs,
      },
      node,
      label,
      step,
      plan.onlyNode,
    ).catch((error: unknown) => ({ ok: false as const, error: (error as Error).message, logTail: [] as string[] }));

    deps.metrics.nodeRestartDuration.observe({ outcome: result.ok ? 'ok' : 'failed' }, (Date.now() - stepStarted) / 1000);
    if (!result.ok) {
      history.endStep(step, 'failed', { error: result.error, logTail: result.logTail });
      state.failedNodeId = node.id;
      const reason = `${node.name} did not come back healthy on ${shortFp(desired)}: ${result.error}`;
      state.halted = { fingerprint: desired, node: node.name, reason };
      logger.error({ node: node.name, log_tail: result.logTail }, `${label} failed: rollout halted, the other nodes keep serving`);
      return finish('failed', reason);
    }
    history.endStep(step, 'ok');
    forced.delete(node.id);
    if (state.failedNodeId === node.id) state.failedNodeId = undefined;
    lastRestartedId = node.id;
    settlePending = true;
  }
  return finish('failed', 'too many steps: the nodes do not converge');
}
