import type { Logger } from '../../shared/logger.js';
import { sleep } from '../../shared/backoff.js';
import { shortFp } from '../format.js';
import { nodeStepEvent } from '../observability/log-events.js';
import type { HealthProbe } from '../platform/health-probe.js';
import type { Platform } from '../platform/platform.js';
import type { RolloutHistory, StepPhase, StepRecord } from './history.js';
import type { ObservedNode } from './node.js';
import type { RestartJournal } from './restart-journal.js';
import { isDockerUnavailable, ReloaderError } from '../errors.js';

/** What rolling one node needs from the controller. */
export interface RollNodeContext {
  platform: Platform;
  /** Reads the node's in-flight count while it drains. */
  probe: HealthProbe;
  logger: Logger;
  history: RolloutHistory;
  journal: RestartJournal;
  /** Re-renders nginx's rotation from fresh observations, leaving `excludeId` out. */
  applyRotation: (excludeId?: string) => Promise<void>;
  /** True for a fingerprint the node may come back on (the target, or a newer valid edit). */
  acceptable: (fingerprint: string) => boolean;
  /**
   * Reads the file again right before the restart (after the drain, which can take minutes):
   * true when it is valid. A node loads whatever is on disk as it starts.
   */
  fileStillValid: () => Promise<boolean>;
  /** Shares each observation of the node while it drains and comes back, so /status shows it live. */
  observedNode?: (node: ObservedNode) => void;
  /** Called once the platform has stopped (or replaced) the node: whatever follows, it loads the file as it starts. */
  reloaded?: (nodeId: string) => void;
  /** True once the reloader is shutting down: a drain still waiting is given up, the node left serving. */
  stopping?: () => boolean;
  /** The drain deadline: how long the node's in-flight requests may take before it is stopped anyway. */
  drainTimeoutMs: number;
  healthTimeoutMs: number;
  pollMs: number;
}

/**
 * Why a node step failed: the node did not come back healthy, the platform's API could not
 * be reached (the node may be stopped: the journal entry stays for the resume), another
 * step error (the rotation could not be changed, say), the reloader began shutting down
 * while the node drained, or the file was invalid right before the restart (in both of the
 * last two the node was never stopped, and is back in rotation).
 */
export type StepFailureCause = 'node-unhealthy' | 'docker-unavailable' | 'step-error' | 'interrupted' | 'config-invalid';

/** The outcome of rolling one node. */
export type RollNodeResult = { ok: true; fingerprint: string } | { ok: false; cause: StepFailureCause; error: string; logTail: string[] };

/**
 * Restarts one node the safe way: out of rotation, drain, stop, start, wait until Docker
 * says healthy and /health shows an acceptable fingerprint, back into rotation.
 */
export async function rollNode(ctx: RollNodeContext, node: ObservedNode, label: string, step: StepRecord, onlyNode: boolean): Promise<RollNodeResult> {
  let last: StepPhase | undefined;
  const say: Say = (phase, message = phase, level = 'info') => {
    last = phase;
    ctx.logger[level]({ event: nodeStepEvent(phase), phase, node: node.name }, `${label} ${message}`);
    ctx.history.note(step, phase, message);
  };
  try {
    return await rollNodeSteps(ctx, node, onlyNode, say);
  } catch (error) {
    // Whatever threw, the step says after which phase it did: the journal entry (if the stop
    // had begun) stays, so the node is started again once the platform answers.
    const cause = causeOf(error);
    const what = cause === 'docker-unavailable' ? 'Docker API unreachable' : cause === 'config-invalid' ? 'config file invalid' : 'step error';
    const message = `${what} ${last === undefined ? 'before the first phase' : `after "${last}"`}: ${(error as Error).message}`;
    // The platform found the file invalid as it read it: the controller learns of it from a read of its own.
    if (cause === 'config-invalid') await ctx.fileStillValid().catch(() => false);
    say('failed', message, 'warn');
    return { ok: false, cause, error: message, logTail: [] };
  }
}

async function rollNodeSteps(ctx: RollNodeContext, node: ObservedNode, onlyNode: boolean, say: Say): Promise<RollNodeResult> {
  // A platform that rotates by itself (Swarm's DNS, a Kubernetes Service) takes the node out
  // and drains it when it replaces it; waiting here for in-flight work that keeps arriving
  // would only add time.
  if (!ctx.platform.managesRotation) {
    if (onlyNode) {
      say('only-node', 'restarting the only node: clients will see downtime', 'warn');
    } else {
      await ctx.applyRotation(node.id);
      say('out-of-rotation', 'out of rotation');
    }
    if ((await drainNode(ctx, node, say)) === 'interrupted') {
      // Nothing was stopped: the node goes back to serving, and the next reloader (or pass)
      // rolls it again. Waiting out a long drain would outlast the reloader's stop grace period.
      await ctx.applyRotation();
      const error = 'the reloader is shutting down: the drain was given up and the node left serving';
      say('failed', error, 'warn');
      return { ok: false, cause: 'interrupted', error, logTail: [] };
    }
    say('drained');
  }

  if (!(await ctx.fileStillValid())) {
    // Saved broken while the node drained: it would start on that file. It goes back to
    // serving, untouched, and the rollout pauses as for any invalid edit.
    if (!ctx.platform.managesRotation) await ctx.applyRotation();
    const error = 'the config file is not valid right now: the node was not restarted (back in rotation)';
    say('failed', error, 'warn');
    return { ok: false, cause: 'config-invalid', error, logTail: [] };
  }

  // Each phase gets its own timestamped note, so /status (and the benchmark) show where a
  // node's restart time goes: drain, Docker stop, Docker start, boot until healthy.
  say('restarting');
  const started = Date.now();
  // The journal spans the platform's restart: a reloader killed between stop and start
  // finds the entry on its next start and starts the node again.
  await ctx.journal.begin({ id: node.id, name: node.name, at: new Date().toISOString() });
  await ctx.platform.restartNode(node, (progress) => {
    if (progress === 'stopped' || progress === 'started') ctx.reloaded?.(node.id);
    say(progress);
  });
  await ctx.journal.end();

  const outcome = await waitForHealthy(ctx, node.id);
  if (!outcome.ok) {
    const logTail = await ctx.platform.logsTail(node.id, 20).catch((error: unknown) => [`(could not read logs: ${(error as Error).message})`]);
    say('failed', `did not come back: ${outcome.error}`, 'warn');
    return { ok: false, cause: 'node-unhealthy', error: outcome.error, logTail };
  }
  say('healthy', `healthy on ${shortFp(outcome.fingerprint)} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await ctx.applyRotation();
  say('back-in-rotation', `back in rotation${outcome.ip ? ` (${outcome.ip})` : ''}`);
  return { ok: true, fingerprint: outcome.fingerprint };
}

/**
 * What a thrown error says about the step: the platform's API away; the file found invalid by
 * the platform itself right before it acted (Swarm reads the file to make its config: nothing
 * was changed); anything else.
 */
function causeOf(error: unknown): StepFailureCause {
  if (isDockerUnavailable(error)) return 'docker-unavailable';
  if (error instanceof ReloaderError && error.code === 'CONFIG_INVALID') return 'config-invalid';
  return 'step-error';
}

/** Logs a step's line and notes it on the step: the phase code, and the message people read (the phase's words by default). */
type Say = (phase: StepPhase, message?: string, level?: 'info' | 'warn') => void;

/**
 * Waits, up to the drain deadline, until the node has no request in flight. Each reading is
 * shared with /status (the node's in_flight count falls as requests finish) and every change
 * of the count is noted on the step, so both show which node the rollout waits on, for how many.
 */
async function drainNode(ctx: RollNodeContext, node: ObservedNode, say: Say): Promise<'drained' | 'interrupted'> {
  if (node.ip === null) return 'drained';
  const deadline = Date.now() + ctx.drainTimeoutMs;
  let shown: number | undefined;
  for (;;) {
    const health = await ctx.probe.probe(node.ip);
    ctx.observedNode?.({ ...node, health });
    if (!health.reachable || (health.inFlight ?? 0) === 0) return 'drained';
    if (health.inFlight !== shown) {
      shown = health.inFlight;
      say('draining', `waiting for ${shown} request(s) in flight (at most ${formatDuration(ctx.drainTimeoutMs)})`);
    }
    if (Date.now() >= deadline) {
      say(
        'drain-timeout',
        `still ${health.inFlight} in flight after the ${formatDuration(ctx.drainTimeoutMs)} drain deadline: stopping anyway (the node finishes them within its own shutdown deadline)`,
        'warn',
      );
      return 'drained';
    }
    if (ctx.stopping?.()) return 'interrupted';
    await sleep(ctx.pollMs);
  }
}

/** A deadline for people: `500 ms`, `45 s`, `10 min`, `2 min 30 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

type HealthyOutcome = { ok: true; fingerprint: string; ip: string } | { ok: false; error: string };

async function waitForHealthy(ctx: RollNodeContext, id: string): Promise<HealthyOutcome> {
  const deadline = Date.now() + ctx.healthTimeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const node = await ctx.platform.observeNode(id);
    if (!node) return { ok: false, error: 'the container disappeared' };
    ctx.observedNode?.(node);
    if (!node.running) last = 'container not running';
    // Both must agree: Docker's health is what operators see in `docker compose ps`, and the
    // reloader's own probe reaches the node over the network the way nginx will.
    else if (node.dockerHealth === 'unhealthy' || node.dockerHealth === 'starting') last = `Docker health ${node.dockerHealth}`;
    else if (!node.health.reachable) last = '/health not answering';
    else if (node.health.status !== 'ok') last = `/health status ${node.health.status}`;
    else if (node.health.fingerprint === undefined || !ctx.acceptable(node.health.fingerprint)) {
      last = `/health reports ${node.health.fingerprint ? shortFp(node.health.fingerprint) : 'no fingerprint'}`;
    } else if (node.ip !== null) {
      return { ok: true, fingerprint: node.health.fingerprint, ip: node.ip };
    }
    if (Date.now() >= deadline) return { ok: false, error: `not healthy on the new config within ${ctx.healthTimeoutMs} ms (${last})` };
    await sleep(ctx.pollMs);
  }
}
