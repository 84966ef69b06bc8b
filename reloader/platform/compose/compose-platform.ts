import type { Logger } from '../../../shared/logger.js';
import { remindWhilePending } from '../../../shared/remind-while-pending.js';
import { LogEvent } from '../../observability/log-events.js';
import type { ObservedNode } from '../../rollout/node.js';
import type { HealthProbe } from '../health-probe.js';
import type { NodeChange, Platform } from '../platform.js';
import { chooseRotation } from './choose-rotation.js';
import type { ContainerEvent, DockerPort } from './docker-port.js';
import type { RotationControl } from './nginx-rotation.js';
import { observeNode, observeNodes } from './observe-nodes.js';
import { rotationKey } from './render-rotation.js';

/** What the Docker Compose + nginx platform is built from; tests pass stand-ins for each. */
export interface ComposePlatformOptions {
  docker: DockerPort;
  probe: HealthProbe;
  rotation: RotationControl;
  logger: Logger;
  /** Seconds `docker stop` gives a node before SIGKILL. */
  stopTimeoutS: number;
  /** How often a stop still waiting for the node to exit is logged (STOP_REMINDER_MS). */
  stopReminderMs?: number;
}

/**
 * A drained node exits within seconds of SIGTERM; past this, and then as often, the reloader
 * says which node it is waiting on and when Docker will kill it, rather than falling silent for
 * up to the whole stop timeout (10 minutes) while the rollout waits.
 */
export const STOP_REMINDER_MS = 30_000;

/**
 * The Platform over Docker Compose: nodes are the project's containers labelled as gateways,
 * a restart is `docker stop` + `docker start` of one container, and the rotation is nginx's
 * server list, rewritten and reloaded through the load-balancer container.
 */
export function createComposePlatform(options: ComposePlatformOptions): Platform {
  const { docker, probe, rotation, logger } = options;
  let warnedEmptyRotation = false;

  return {
    scope: docker.project,
    observeNodes: () => observeNodes(docker, probe),
    observeNode: (id) => observeNode(docker, probe, id),
    describeRotation: () => rotation.describe(),
    logsTail: (id, lines) => docker.logsTail(id, lines),
    watchNodes: (onChange) =>
      docker.watchEvents('gateway', (event) => {
        const what = toNodeChange(event.action);
        if (what) onChange({ id: event.id, what });
      }),

    async syncRotation(nodes: readonly ObservedNode[], excludeId?: string): Promise<void> {
      const servers = chooseRotation(nodes, excludeId);
      if (servers.length === 0) {
        // Seeing no node at all (a wrong project name, say) must not empty nginx's upstream:
        // keep what it has, e.g. the entrypoint's default that resolves every replica.
        if (!warnedEmptyRotation) {
          logger.warn(
            { event: LogEvent.rotationEmpty },
            `no gateway node of project "${docker.project}" to put in rotation: leaving nginx's server list as it is`,
          );
          warnedEmptyRotation = true;
        }
        return;
      }
      warnedEmptyRotation = false;
      if (rotationKey(servers) === rotation.appliedKey()) return;
      logger.info({ event: LogEvent.rotationChanging, servers }, `nginx rotation: ${servers.map((s) => `${s.name} (${s.ip})`).join(', ') || 'no node'}`);
      await rotation.apply(servers);
    },

    async restartNode(node, onProgress): Promise<void> {
      const { stopTimeoutS } = options;
      await remindWhilePending(docker.stop(node.id, stopTimeoutS), options.stopReminderMs ?? STOP_REMINDER_MS, (waitedMs) => {
        const waitedS = Math.round(waitedMs / 1000);
        logger.warn(
          { event: LogEvent.nodeStopPending, node: node.name, waited_s: waitedS, stop_timeout_s: stopTimeoutS },
          `${node.name} has not exited ${waitedS} s after docker stop: still finishing requests or writing its log, or not answering SIGTERM; Docker kills it at ${stopTimeoutS} s`,
        );
      });
      onProgress('stopped');
      await docker.start(node.id);
      onProgress('started');
    },

    async resumeRestart(entry): Promise<void> {
      const container = await docker.inspect(entry.id, 'gateway');
      if (container && container.state !== 'running') {
        logger.warn({ event: LogEvent.restartResumed, node: entry.name }, `a previous run was stopped while restarting ${entry.name}: starting it again`);
        await docker.start(entry.id);
      }
    },
  };
}

/** Docker's container action as a node change; undefined for actions that change nothing. */
export function toNodeChange(action: ContainerEvent['action']): NodeChange['what'] | undefined {
  switch (action) {
    case 'kill':
    case 'stop':
      return 'leaving';
    case 'die':
    case 'destroy':
      return 'gone';
    case 'start':
      return 'started';
    case 'health_status':
      return 'health';
    case 'resync':
      return 'resync';
    default:
      return undefined;
  }
}
