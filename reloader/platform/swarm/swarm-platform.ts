import { readFile } from 'node:fs/promises';
import type { Logger } from '../../../shared/logger.js';
import { sleep } from '../../../shared/backoff.js';
import { validateConfigText } from '../../../shared/config/index.js';
import { ConfigInvalidError, SwarmUpdateError } from '../../errors.js';
import { LogEvent } from '../../observability/log-events.js';
import type { ObservedNode } from '../../rollout/node.js';
import type { HealthProbe } from '../health-probe.js';
import type { Platform, RotationView } from '../platform.js';
import { chooseConfigsToPrune, configNameFor } from './config-name.js';
import { chooseSlotTasks, observeSlot, observeSlots, slotId } from './observe-tasks.js';
import type { SwarmPort } from './swarm-port.js';

/** What the Swarm platform is built from; tests pass stand-ins. */
export interface SwarmPlatformOptions {
  port: SwarmPort;
  probe: HealthProbe;
  logger: Logger;
  /** The config file the reloader watches (the source of every swarm config it creates). */
  configPath: string;
  /** How long a slot may take to get a running task on the new config. */
  taskTimeoutMs: number;
  /** Spare configs kept besides the ones in use, for a manual rollback. */
  keepConfigs?: number;
  pollMs?: number;
}

const ROLLED_BACK = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed']);

/**
 * The Platform over Docker Swarm. The engine rolls; this code does what it lacks: it turns
 * the validated file into a hash-named config, swaps it into the gateway service's spec
 * (Swarm then replaces the tasks one at a time per update_config, gated on their
 * HEALTHCHECK, and rolls back on failure), follows each slot for the rollout's status, and
 * prunes configs no longer needed. Swarm's VIP is the load balancer, so there is no rotation.
 */
export function createSwarmPlatform(options: SwarmPlatformOptions): Platform {
  const { port, probe, logger } = options;
  const pollMs = options.pollMs ?? 500;
  const rotation: RotationView = { generation: 0, servers: [], loadBalancer: `swarm VIP of ${port.service}` };

  const pushConfig = async (): Promise<string> => {
    const bytes = await readFile(options.configPath);
    // The controller validated the file, but it may have been saved again since: never
    // hand Swarm a config the nodes would refuse.
    const verdict = validateConfigText(bytes);
    if (!verdict.ok) throw new ConfigInvalidError(`${options.configPath} is not valid right now: no swarm config created`);
    const name = configNameFor(bytes);
    await port.ensureConfig(name, bytes);
    const service = await port.inspectService();
    if (service.configName !== name) {
      logger.info(
        { event: LogEvent.swarmConfigSwapped, from: service.configName, to: name },
        `service ${port.service}: ${service.configName ?? 'no config'} -> ${name}; Swarm rolls the tasks`,
      );
      await port.swapConfig(name);
      await pruneConfigs(new Set([name, ...(service.configName ? [service.configName] : [])]));
    }
    return name;
  };

  const pruneConfigs = async (inUse: Set<string>): Promise<void> => {
    const stale = chooseConfigsToPrune(await port.listConfigs(), inUse, options.keepConfigs ?? 3);
    for (const config of stale) {
      await port.removeConfig(config.id).then(
        () => logger.info({ event: LogEvent.swarmConfigPruned, config: config.name }, `removed swarm config ${config.name}`),
        (error: unknown) =>
          logger.warn({ event: LogEvent.swarmConfigPruned, config: config.name, err: (error as Error).message }, `could not remove ${config.name}`),
      );
    }
  };

  const waitForSlot = async (node: ObservedNode, name: string): Promise<void> => {
    const deadline = Date.now() + options.taskTimeoutMs;
    for (;;) {
      const service = await port.inspectService();
      if (service.updateState !== null && ROLLED_BACK.has(service.updateState)) {
        throw new SwarmUpdateError(`Swarm update of ${port.service} ${service.updateState}: ${service.updateMessage ?? 'no message'}`);
      }
      const task = chooseSlotTasks(await port.listTasks()).find((t) => slotId(port.service, t.slot) === node.id);
      if (task && task.configName === name && task.state === 'running') return;
      if (Date.now() >= deadline) {
        throw new SwarmUpdateError(
          `${node.name} has no running task on ${name} after ${options.taskTimeoutMs} ms (${task ? `task ${task.state}${task.error ? `: ${task.error}` : ''}` : 'no task'})`,
        );
      }
      await sleep(pollMs);
    }
  };

  return {
    scope: `swarm stack ${port.stack}`,
    observeNodes: () => observeSlots(port, probe),
    observeNode: (id) => observeSlot(port, probe, id),
    // Swarm's VIP only routes to tasks whose HEALTHCHECK passed, and takes a task out before its SIGTERM.
    syncRotation: async () => undefined,
    describeRotation: () => rotation,
    managesRotation: true,
    // Nothing to push: Swarm's DNS drops a leaving task by itself, and the periodic pass sees
    // task changes for the status.
    watchNodes: () => () => undefined,

    async restartNode(node, onProgress): Promise<void> {
      const name = await pushConfig();
      onProgress('config-swapped');
      await waitForSlot(node, name);
      onProgress('started');
    },

    async logsTail(id, lines): Promise<string[]> {
      const tasks = (await port.listTasks()).filter((t) => slotId(port.service, t.slot) === id);
      const newest = tasks.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      return newest ? port.logsTail(newest.id, lines) : [];
    },

    // Swarm itself finishes an update a previous reloader started: nothing is half done here.
    resumeRestart: async () => undefined,
  };
}
