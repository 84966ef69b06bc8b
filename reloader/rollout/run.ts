import type { Logger } from '../../shared/logger.js';
import { sleep } from '../../shared/backoff.js';
import type { ConfigEvaluation } from '../config/evaluate.js';
import { shortFp } from '../format.js';
import { LogEvent } from '../observability/log-events.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import type { HealthProbe } from '../platform/health-probe.js';
import type { Platform } from '../platform/platform.js';
import type { RolloutHistory, RolloutRecord, RolloutTrigger } from './history.js';
import type { ObservedNode } from './node.js';
import { planRollout } from './plan.js';
import { rollNode, type StepFailureCause } from './roll-node.js';
import type { RestartJournal } from './restart-journal.js';

/**
 * What stopped a rollout, which decides what resumes it (see shouldResume): a node that did
 * not come back on a good file waits for a new edit or POST /rollout; one that started while
 * the file was invalid resumes once the file is valid; a Docker API outage resumes once the
 * API answers.
 */
export type HaltCause = 'node-unhealthy' | 'config-invalid' | 'docker-unavailable' | 'step-error';

/** Why a rollout halted. */
export interface HaltRecord {
  fingerprint: string;
  node: string;
  cause: HaltCause;
  reason: string;
}

/**
 * The controller's side of a running rollout. The controller owns the rollout state; a
 * rollout reads it through these getters (it can change meanwhile: an edit, a shutdown)
 * and reports what happened through the callbacks, never writing the state itself.
 */
export interface RolloutControl {
  /** Fingerprint of the newest valid config file, or undefined when there is none. */
  desired(): string | undefined;
  /** True once the reloader is shutting down. */
  stopping(): boolean;
  /** The node the last halted rollout stopped at; the next rollout begins with it. */
  failedNodeId(): string | undefined;
  /** Nodes a POST /rollout still owes a restart, whatever they run. */
  forcedNodeIds(): ReadonlySet<string>;
  /** Nodes someone else asked to stop: the rollout leaves them alone. */
  leavingNodeIds(): ReadonlySet<string>;
  /** True for a fingerprint the node being restarted may come back on (the target or a newer valid edit). */
  isAcceptable(fingerprint: string): boolean;
  /** A node restart towards `target` begins: from now on only it (and newer valid edits) are acceptable. */
  nodeRestartBegun(target: string): void;
  /** A node was stopped (or replaced) to restart: it loads the file as it starts, so it is owed no forced restart. */
  nodeReloaded(nodeId: string): void;
  /** A node came back: it is no longer the failed node, if it was. */
  nodeRestarted(nodeId: string): void;
  /** A node did not come back: the rollout halts there. */
  nodeFailed(nodeId: string, halt: HaltRecord): void;
  /** True when the file was seen invalid or missing since the current node restart began. */
  fileInvalidDuringStep(): boolean;
  /** Shares each fresh observation, so the status API stays current during a rollout. */
  observed(nodes: ObservedNode[]): void;
  /** Shares a fresh observation of the one node being restarted. */
  observedNode(node: ObservedNode): void;
  /** Feeds a fresher verdict on the file back to the controller. */
  configRead(evaluation: ConfigEvaluation): void;
  /**
   * Takes `excludeId` out of the rotation (undefined puts every serving node back), from a
   * fresh observation, in turn with any other rotation change; resolves once applied.
   */
  applyRotation(excludeId?: string): Promise<void>;
}

/** What a rollout needs. */
export interface RolloutDeps {
  platform: Platform;
  probe: HealthProbe;
  logger: Logger;
  metrics: ReloaderMetrics;
  history: RolloutHistory;
  journal: RestartJournal;
  control: RolloutControl;
  /** Re-reads the file right before each restart: a node loads whatever is on disk. */
  readConfig: () => Promise<ConfigEvaluation>;
  healthTimeoutMs: number;
  drainTimeoutMs: number;
  /** Pause after a node is back in rotation before the next one is taken out. */
  settleMs: number;
  pollMs: number;
}

/** Why a rollout pauses on an invalid (or missing) file. */
const FILE_INVALID = 'the config file is not valid right now: no node is restarted until a valid edit';

/**
 * Runs one rollout to its end: plans from fresh observations before every node, so an
 * edit made meanwhile is picked up (the node being restarted is not interrupted) and
 * nodes restarted on an older file are restarted again. Halts at the first node that
 * does not come back.
 */
export async function runRollout(deps: RolloutDeps, trigger: RolloutTrigger): Promise<RolloutRecord> {
  const { control, history, logger } = deps;
  const record = history.begin(trigger, control.desired() ?? '');
  const started = Date.now();
  logger.info(
    { event: LogEvent.rolloutStarted, trigger, target: control.desired() },
    `rollout started (${trigger}) towards ${shortFp(control.desired() ?? '')}`,
  );
  let lastRestartedId: string | undefined;
  let waitingSince: number | undefined;
  let settlePending = false;

  const finish = (outcome: RolloutRecord['outcome'], reason?: string): RolloutRecord => {
    history.end(record, outcome, reason);
    deps.metrics.rollouts.inc({ outcome });
    deps.metrics.rolloutDuration.observe({ outcome }, (Date.now() - started) / 1000);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (outcome === 'complete') logger.info({ event: LogEvent.rolloutComplete }, `rollout complete in ${seconds} s`);
    else logger.warn({ event: LogEvent.rolloutEnded, outcome, reason }, `rollout ${outcome} after ${seconds} s: ${reason ?? ''}`);
    return record;
  };

  for (let round = 0; round < 1000; round++) {
    if (control.stopping()) return finish('paused', 'the reloader is shutting down');
    const desired = control.desired();
    if (desired === undefined) return finish('paused', 'no valid config');
    let nodes: ObservedNode[];
    try {
      nodes = await deps.platform.observeNodes();
      control.observed(nodes);
    } catch (error) {
      return finish('failed', `Docker API: ${(error as Error).message}`);
    }
    history.retarget(record, desired);
    const plan = planRollout({
      nodes,
      desired,
      forced: control.forcedNodeIds(),
      failedNodeId: control.failedNodeId(),
      lastRestartedId,
      leaving: control.leavingNodeIds(),
    });
    if (plan.kind === 'done') return finish('complete');
    if (plan.kind === 'wait') {
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        logger.info({ event: LogEvent.rolloutWaiting }, plan.reason);
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
      control.configRead(onDisk);
      return finish('paused', FILE_INVALID);
    }
    if (onDisk.fingerprint !== desired) {
      control.configRead(onDisk);
      continue;
    }

    const { node, position, total } = plan;
    const label = `node ${position}/${total} ${node.name}`;
    const step = history.beginStep(record, node, `${position}/${total}`, desired);
    control.nodeRestartBegun(desired);
    const stepStarted = Date.now();
    const result = await rollNode(
      {
        platform: deps.platform,
        probe: deps.probe,
        logger,
        history,
        journal: deps.journal,
        applyRotation: (excludeId) => control.applyRotation(excludeId),
        acceptable: (fp) => control.isAcceptable(fp),
        fileStillValid: async () => {
          const now = await deps.readConfig();
          // A newer valid edit is fine (the node may come back on it); the controller learns of it either way.
          if (now.kind !== 'valid' || now.fingerprint !== control.desired()) control.configRead(now);
          return now.kind === 'valid';
        },
        observedNode: (observed) => control.observedNode(observed),
        reloaded: (id) => control.nodeReloaded(id),
        stopping: () => control.stopping(),
        drainTimeoutMs: deps.drainTimeoutMs,
        healthTimeoutMs: deps.healthTimeoutMs,
        pollMs: deps.pollMs,
      },
      node,
      label,
      step,
      plan.onlyNode,
    );

    deps.metrics.nodeRestartDuration.observe({ outcome: result.ok ? 'ok' : 'failed' }, (Date.now() - stepStarted) / 1000);
    if (!result.ok && (result.cause === 'interrupted' || result.cause === 'config-invalid')) {
      // Not a halt: the node was never stopped. The next reloader (or a valid file) finds it still to roll.
      history.endStep(step, 'failed', { error: result.error });
      return finish('paused', result.cause === 'config-invalid' ? FILE_INVALID : result.error);
    }
    if (!result.ok) {
      history.endStep(step, 'failed', { error: result.error, logTail: result.logTail });
      const halt = await describeHalt(deps, node.name, desired, result);
      control.nodeFailed(node.id, halt);
      logger.error(
        { event: LogEvent.rolloutHalted, node: node.name, cause: halt.cause, log_tail: result.logTail },
        `${label} failed: rollout halted, the other nodes keep serving`,
      );
      return finish('failed', halt.reason);
    }
    history.endStep(step, 'ok');
    control.nodeRestarted(node.id);
    lastRestartedId = node.id;
    settlePending = true;
  }
  return finish('failed', 'too many steps: the nodes do not converge');
}

/**
 * Names what actually stopped the step. A node that did not come back while the file was
 * invalid (seen so during the step, or now) crashed on that file, not on the target.
 */
async function describeHalt(deps: RolloutDeps, name: string, target: string, result: { cause: StepFailureCause; error: string }): Promise<HaltRecord> {
  const base = { fingerprint: target, node: name };
  if (result.cause === 'docker-unavailable') {
    return {
      ...base,
      cause: 'docker-unavailable',
      reason: `${name}: ${result.error}; the node is started again and the rollout resumed once the Docker API answers`,
    };
  }
  if (result.cause === 'step-error' || result.cause === 'interrupted') return { ...base, cause: 'step-error', reason: `${name}: ${result.error}` };
  const now = await deps.readConfig().catch(() => undefined);
  if (now !== undefined && now.kind !== 'valid') deps.control.configRead(now);
  if (deps.control.fileInvalidDuringStep() || (now !== undefined && now.kind !== 'valid')) {
    return {
      ...base,
      cause: 'config-invalid',
      reason: `${name} did not come back healthy: the config file was invalid while it restarted (${result.error}); the rollout resumes once the file is valid`,
    };
  }
  return { ...base, cause: 'node-unhealthy', reason: `${name} did not come back healthy on ${shortFp(target)}: ${result.error}` };
}
