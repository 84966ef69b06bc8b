import type { DockerHealth, ObservedNode } from '../../rollout/node.js';
import type { HealthProbe } from '../health-probe.js';
import type { SwarmPort, TaskInfo } from './swarm-port.js';

/** Task states before `running`: the container is on its way (Swarm holds `starting` until the HEALTHCHECK passes). */
const STARTING_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/** The node id of a slot: stable across Swarm's task replacements, which change task ids. */
export function slotId(service: string, slot: number): string {
  return `${service}.${slot}`;
}

/**
 * The task that stands for each slot now: the newest one Swarm wants running (during a
 * start-first update that is the new task, while the old one still serves beside it).
 * A slot whose every task is being shut down is left out.
 */
export function chooseSlotTasks(tasks: readonly TaskInfo[]): TaskInfo[] {
  const bySlot = new Map<number, TaskInfo>();
  for (const task of tasks) {
    if (task.desiredState !== 'running') continue;
    const current = bySlot.get(task.slot);
    if (!current || task.createdAt > current.createdAt) bySlot.set(task.slot, task);
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}

/**
 * Maps a task to the rollout's node view. Swarm reports a task `running` only once its
 * HEALTHCHECK passed (and fails it when the check fails later), so `running` is healthy.
 */
export function toObservedNode(service: string, task: TaskInfo, health: ObservedNode['health']): ObservedNode {
  const starting = STARTING_STATES.has(task.state);
  const dockerHealth: DockerHealth = task.state === 'running' ? 'healthy' : starting ? 'starting' : 'unhealthy';
  return {
    id: slotId(service, task.slot),
    name: `${service}.${task.slot} (task ${task.id.slice(0, 12)})`,
    number: task.slot,
    running: task.state === 'running' || starting,
    dockerHealth,
    ip: task.ip,
    health,
  };
}

/** Every slot of the gateway service, each probed on its /health through the overlay network. */
export async function observeSlots(port: SwarmPort, probe: HealthProbe): Promise<ObservedNode[]> {
  const tasks = chooseSlotTasks(await port.listTasks());
  return Promise.all(tasks.map(async (task) => toObservedNode(port.service, task, task.ip ? await probe.probe(task.ip) : { reachable: false })));
}

/** One slot, freshly observed; undefined when the service has no task for it. */
export async function observeSlot(port: SwarmPort, probe: HealthProbe, id: string): Promise<ObservedNode | undefined> {
  const nodes = await observeSlots(port, probe);
  return nodes.find((node) => node.id === id);
}
