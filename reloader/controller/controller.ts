import type { Logger } from '../../shared/logger.js';
import type { ConfigEvaluation } from '../config/evaluate.js';
import { LogEvent } from '../observability/log-events.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import type { HealthProbe } from '../platform/health-probe.js';
import type { NodeChange, Platform } from '../platform/platform.js';
import { RolloutHistory, type RolloutTrigger } from '../rollout/history.js';
import { sortNodes, type ObservedNode } from '../rollout/node.js';
import { planRollout } from '../rollout/plan.js';
import { createMemoryJournal, type RestartJournal } from '../rollout/restart-journal.js';
import { runRollout } from '../rollout/run.js';
import { createRolloutControl, createRolloutState, type RolloutState } from './rollout-state.js';
import { buildStatus, type ReloaderStatus } from '../http/status.js';
import { clearResolvedHalt, shouldResume, type ResumeContext } from './halt-policy.js';
import { finishInterruptedRestart } from './finish-interrupted-restart.js';
import { LeavingNodes } from './leaving-nodes.js';
import { RotationKeeper } from './rotation-keeper.js';
import { applyConfigVerdict } from './config-verdict.js';
import { DockerReachability } from './docker-reachability.js';
import { fileWaitReason } from './file-wait.js';
import { PendingManualRollout } from './manual-rollout.js';

/** Everything the controller works with; tests pass stand-ins. */
export interface ControllerDeps {
  /** Where the nodes run: observe them, keep the rotation in step, restart one. */
  platform: Platform;
  /** Reads a node's /health (its in-flight count while it drains). */
  probe: HealthProbe;
  logger: Logger;
  metrics: ReloaderMetrics;
  readConfig: () => Promise<ConfigEvaluation>;
  /**
   * The periodic pass's safety net for missed watch events: the file's verdict if it has
   * not been written for a debounce period, else undefined (a save may be under way).
   */
  recheckConfig?: () => Promise<ConfigEvaluation | undefined>;
  configPath: string;
  healthTimeoutMs: number;
  drainTimeoutMs: number;
  /** Pause between one node back in rotation and the next out (default 0). */
  settleMs?: number;
  reconcileIntervalMs: number;
  /** Where the node being restarted is remembered across a reloader restart (default: memory). */
  journal?: RestartJournal;
  /** How often waits poll Docker and /health (default 200 ms). */
  pollMs?: number;
  /** How soon the next pass looks again while the Docker API is unreachable (default 2 s, at most the interval). */
  dockerRetryMs?: number;
}

/**
 * The reloader's one loop: every trigger (a config verdict, the periodic reconcile, POST
 * /rollout) runs the same single-flight pass: observe, fix nginx's server list, and start a
 * rollout when some node does not run the newest valid file.
 */
export class ReloaderController {
  readonly history = new RolloutHistory();
  /** Owned here alone: a running rollout reads and reports through createRolloutControl. */
  private readonly state: RolloutState = createRolloutState();
  private config: ConfigEvaluation | undefined;
  private nodes: ObservedNode[] = [];
  private readonly docker: DockerReachability;
  /** What the next rollout waits for, and whether to look again soon (a node, the API) or at the usual interval (the file: its watcher says when it changes). */
  private waiting: { reason: string; lookSoon: boolean } | undefined;
  private working: Promise<void> | undefined;
  private queued: RolloutTrigger | undefined;
  /** POST /rollout's request while some node is still owed its restart. */
  private readonly manual = new PendingManualRollout();
  private firstPass = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly journal: RestartJournal;

  private readonly rotation: RotationKeeper;
  private readonly leaving = new LeavingNodes();
  private unwatch: (() => void) | undefined;

  constructor(private readonly deps: ControllerDeps) {
    this.journal = deps.journal ?? createMemoryJournal();
    this.docker = new DockerReachability(deps.logger, this.retrySoonMs());
    this.rotation = new RotationKeeper(deps.platform, deps.logger, (nodes) => void (this.nodes = sortNodes(nodes)));
  }

  /**
   * Reads the file once, then reconciles now, on every node event, and every interval (each
   * pass first finishes a restart left half done).
   */
  async start(): Promise<void> {
    this.onConfig(await this.deps.readConfig());
    this.unwatch = this.deps.platform.watchNodes((change) => this.onNodeChange(change));
    this.trigger('startup');
  }

  /**
   * A node left, crashed, started or changed health: the rotation follows at once. During a
   * rollout the pass is busy, so the rotation is refreshed beside it; a full pass follows.
   */
  private onNodeChange(change: NodeChange): void {
    if (this.state.stopping) return;
    this.deps.logger.debug({ event: LogEvent.nodeEvent, id: change.id.slice(0, 12), what: change.what }, `node event: ${change.what}`);
    this.leaving.note(change);
    if (this.history.running()) this.rotation.refresh();
    this.trigger('docker-event');
  }

  /** Stops scheduling; a running node restart finishes first. */
  async stop(): Promise<void> {
    this.state.stopping = true;
    this.unwatch?.();
    if (this.timer) clearTimeout(this.timer);
    await this.working;
  }

  /** Takes a verdict on the config file (from the watcher or a re-read). */
  onConfig(evaluation: ConfigEvaluation): void {
    const previous = this.config;
    this.config = evaluation;
    const outcome = applyConfigVerdict(this.state, previous, evaluation, this.deps);
    if (this.firstPass) return;
    if (outcome === 'changed') this.trigger('config-change');
    // A rollout halted or held back by the invalid file goes on now (the pass decides, see shouldResume).
    else if (outcome === 'valid-again') this.trigger('resume');
  }

  /**
   * POST /rollout: restarts every node in the safe order, unless a rollout is running or no valid
   * config was read. The request is kept until each node has been restarted (see PendingManualRollout).
   */
  requestRollout(): 'started' | 'busy' | 'no-valid-config' {
    if (this.history.running()) return 'busy';
    if (this.state.desired === undefined) return 'no-valid-config';
    this.manual.request();
    this.state.halted = undefined;
    this.deps.logger.info({ event: LogEvent.rolloutRequested }, 'rollout of every node requested');
    this.trigger('manual');
    return 'started';
  }

  /** Resolves when no pass is running or queued (for tests and shutdown). */
  async settle(): Promise<void> {
    while (this.working) await this.working;
  }

  /** The status API's document. */
  status(): ReloaderStatus {
    return buildStatus({
      configPath: this.deps.configPath,
      config: this.config,
      desired: this.state.desired,
      nodes: this.nodes,
      rotation: this.deps.platform.describeRotation(),
      history: this.history.snapshot(),
      current: this.history.running(),
      halted: this.state.halted,
      waiting: this.waiting?.reason,
      manualRollout: this.manual.describe(this.nodes),
      docker: this.docker.view(),
    });
  }

  /** Runs a pass now, or right after the current one. */
  trigger(why: RolloutTrigger): void {
    if (this.state.stopping) return;
    if (this.working) {
      if (this.queued === undefined || why === 'manual' || why === 'config-change') this.queued = why;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.working = this.pass(why)
      .catch((error: unknown) => this.deps.logger.error({ event: LogEvent.reconcileFailed, err: error }, 'reconcile pass failed'))
      .finally(() => {
        this.working = undefined;
        const next = this.queued;
        this.queued = undefined;
        if (next) this.trigger(next);
        else this.scheduleNext();
      });
  }

  private scheduleNext(): void {
    if (this.state.stopping) return;
    // While the API is away, or a node is awaited, look again within seconds: the API coming
    // back (or the node becoming healthy) is noticed quickly, not after a long backoff.
    const delay = !this.docker.reachable || this.waiting?.lookSoon ? this.retrySoonMs() : this.deps.reconcileIntervalMs;
    this.timer = setTimeout(() => this.trigger('reconcile'), delay);
    this.timer.unref();
  }

  private async pass(why: RolloutTrigger): Promise<void> {
    const trigger = this.firstPass ? 'startup' : why;
    this.firstPass = false;
    await this.recheckConfig();
    if (!(await this.observe())) return;
    // Every pass, not only at start: a running reloader recovers as soon as the API answers.
    const resumed = await finishInterruptedRestart(this.journal, this.deps.platform, this.deps.logger);
    if (resumed === 'failed' || (resumed === 'resumed' && !(await this.observe()))) return;
    await this.rotation
      .sync(this.nodes)
      .catch((error: unknown) =>
        this.deps.logger.warn({ event: LogEvent.rotationFailed, err: (error as Error).message }, 'could not update nginx rotation; will retry'),
      );
    const desired = this.state.desired;
    if (desired === undefined) return;
    clearResolvedHalt(this.state, this.resumeContext(), this.deps.logger);
    // A halt waits for its cause to go (or for POST /rollout, which clears it).
    if (this.state.halted && this.state.halted.fingerprint === desired) return;
    this.leaving.reconcile(this.nodes);
    const forced = this.manual.forcedIds(this.nodes);
    const plan = planRollout({ nodes: this.nodes, desired, forced, failedNodeId: this.state.failedNodeId, leaving: this.leaving.ids() });
    if (plan.kind !== 'restart') {
      this.setWaiting(plan.kind === 'wait' ? { reason: plan.reason, lookSoon: true } : undefined);
      return;
    }
    const fileWait = fileWaitReason(this.config);
    if (fileWait !== undefined) {
      this.setWaiting({ reason: fileWait, lookSoon: false });
      return;
    }
    this.setWaiting(undefined);
    if (trigger === 'startup')
      this.deps.logger.info({ event: LogEvent.rolloutStartupStale }, 'on start, some nodes do not run the current file: rolling only those');
    const record = await runRollout(
      {
        platform: this.deps.platform,
        probe: this.deps.probe,
        logger: this.deps.logger,
        metrics: this.deps.metrics,
        readConfig: this.deps.readConfig,
        healthTimeoutMs: this.deps.healthTimeoutMs,
        drainTimeoutMs: this.deps.drainTimeoutMs,
        history: this.history,
        journal: this.journal,
        control: createRolloutControl(this.state, {
          forcedNodeIds: () => this.manual.owedIds(),
          nodeReloaded: (nodeId) => this.manual.restarted(nodeId),
          observed: (nodes) => {
            this.nodes = sortNodes(nodes);
            this.leaving.reconcile(nodes);
          },
          leavingNodeIds: () => this.leaving.ids(),
          observedNode: (node) => void (this.nodes = this.nodes.map((n) => (n.id === node.id ? node : n))),
          configRead: (evaluation) => this.onConfig(evaluation),
          applyRotation: (excludeId) => this.rotation.apply(excludeId),
        }),
        settleMs: this.deps.settleMs ?? 0,
        pollMs: this.deps.pollMs ?? 200,
      },
      trigger,
    );
    this.rotation.release();
    await this.observe();
    // A rollout paused on the file: /status says so now, not from the next pass on.
    const fileWaitNow = fileWaitReason(this.config);
    if (fileWaitNow !== undefined) this.setWaiting({ reason: fileWaitNow, lookSoon: false });
    // A halt whose cause is already gone (the file was fixed during the failed step) resumes
    // right after this pass.
    const halted = this.state.halted;
    if (halted && shouldResume(halted, this.resumeContext())) this.queued ??= 'resume';
    // Paused on a file that is valid again by now (fixed within moments): go on at once.
    else if (record.outcome === 'paused' && this.config?.kind === 'valid') this.queued ??= 'resume';
  }

  /** Records what the next rollout waits for, saying so in the log once per new reason. */
  private setWaiting(waiting: { reason: string; lookSoon: boolean } | undefined): void {
    if (waiting !== undefined && waiting.reason !== this.waiting?.reason) this.deps.logger.info({ event: LogEvent.rolloutWaiting }, waiting.reason);
    this.waiting = waiting;
  }

  private resumeContext(): ResumeContext {
    return { desired: this.state.desired, fileValid: this.config?.kind === 'valid', dockerReachable: this.docker.reachable };
  }

  private async recheckConfig(): Promise<void> {
    const current = await this.deps.recheckConfig?.().catch(() => undefined);
    if (!current) return;
    const key = (e: ConfigEvaluation | undefined) => (e === undefined ? '' : e.kind === 'missing' ? 'missing' : `${e.kind}:${e.fingerprint}`);
    if (key(current) === key(this.config)) return;
    this.deps.logger.info(
      { event: LogEvent.configChangedUnwatched },
      'the config file changed without a watch event (consider RELOADER_POLLING=true on this mount)',
    );
    this.onConfig(current);
  }

  private async observe(): Promise<boolean> {
    try {
      this.nodes = sortNodes(await this.deps.platform.observeNodes());
      this.docker.answered();
      return true;
    } catch (error) {
      this.docker.failed(error);
      return false;
    }
  }

  /** How soon the next pass looks while the API is away or a node is awaited. */
  private retrySoonMs(): number {
    return Math.min(this.deps.reconcileIntervalMs, this.deps.dockerRetryMs ?? 2000);
  }
}
