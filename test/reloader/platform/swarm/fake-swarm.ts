import { fingerprintOf } from '../../../../shared/config/fingerprint.js';
import type { HealthProbe } from '../../../../reloader/platform/health-probe.js';
import type { ConfigInfo, ServiceView, SwarmPort, TaskInfo } from '../../../../reloader/platform/swarm/swarm-port.js';

/**
 * An in-memory Swarm for one gateway service: configs, a spec with one config, tasks per
 * slot. After swapConfig, each listTasks call advances the update by one step, the way
 * Swarm's updater does with parallelism 1 and start-first: a new task starting beside the
 * old one, then running, then the old one shut down. `failNewTasks` makes it roll back.
 */
export class FakeSwarm {
  readonly configs = new Map<string, { id: string; data: Buffer; createdAt: string }>();
  tasks: TaskInfo[] = [];
  service: ServiceView = { configName: null, previousConfigName: null, updateState: null, updateMessage: null };
  readonly calls: string[] = [];
  failNewTasks = false;
  private seq = 0;
  private pending: number[] = [];

  constructor(initial: Buffer, initialName: string, replicas = 3) {
    this.configs.set(initialName, { id: 'cfg0', data: initial, createdAt: this.stamp() });
    this.service.configName = initialName;
    for (let slot = 1; slot <= replicas; slot++) this.tasks.push(this.newTask(slot, initialName, 'running'));
  }

  /** The port the platform is given. */
  readonly port: SwarmPort = {
    stack: 'st',
    service: 'st_gateway',
    listTasks: async () => {
      this.step();
      return this.tasks.map((t) => ({ ...t }));
    },
    inspectService: async () => ({ ...this.service }),
    ensureConfig: async (name, data) => {
      this.calls.push(`ensureConfig ${name}`);
      if (!this.configs.has(name)) this.configs.set(name, { id: `cfg${++this.seq}`, data, createdAt: this.stamp() });
    },
    swapConfig: async (name) => {
      this.calls.push(`swapConfig ${name}`);
      this.service = { configName: name, previousConfigName: this.service.configName, updateState: 'updating', updateMessage: 'update in progress' };
      this.pending = [...new Set(this.tasks.filter((t) => t.desiredState === 'running').map((t) => t.slot))].sort().reverse();
    },
    listConfigs: async (): Promise<ConfigInfo[]> => [...this.configs].map(([name, c]) => ({ id: c.id, name, createdAt: c.createdAt })),
    removeConfig: async (id) => {
      this.calls.push(`removeConfig ${id}`);
      for (const [name, c] of this.configs) if (c.id === id) this.configs.delete(name);
    },
    logsTail: async (taskId) => [`log of ${taskId}`],
  };

  /** Answers /health by task IP with the fingerprint of the config the task mounts. */
  readonly probe: HealthProbe = {
    probe: async (ip) => {
      const task = this.tasks.find((t) => t.ip === ip);
      if (task?.state !== 'running') return { reachable: false };
      const data = task.configName ? this.configs.get(task.configName)?.data : undefined;
      return { reachable: true, status: 'ok', inFlight: 0, ...(data ? { fingerprint: fingerprintOf(data) } : {}) };
    },
  };

  private step(): void {
    const slot = this.pending[this.pending.length - 1];
    if (slot === undefined || this.service.configName === null) return;
    const fresh = this.tasks.find((t) => t.slot === slot && t.desiredState === 'running' && t.configName === this.service.configName);
    if (!fresh) {
      this.tasks.push(this.newTask(slot, this.service.configName, 'starting'));
    } else if (fresh.state === 'starting') {
      if (this.failNewTasks) {
        fresh.state = 'failed';
        fresh.desiredState = 'shutdown';
        fresh.error = 'task: non-zero exit (1)';
        this.service = {
          configName: this.service.previousConfigName,
          previousConfigName: this.service.configName,
          updateState: 'rollback_completed',
          updateMessage: 'rollback completed',
        };
        this.pending = [];
        return;
      }
      fresh.state = 'running';
    } else {
      for (const old of this.tasks)
        if (old.slot === slot && old !== fresh && old.desiredState === 'running') Object.assign(old, { desiredState: 'shutdown', state: 'shutdown' });
      this.pending.pop();
      if (this.pending.length === 0) this.service.updateState = 'completed';
    }
  }

  private newTask(slot: number, configName: string, state: string): TaskInfo {
    const n = ++this.seq;
    return { id: `task${n}`, slot, state, desiredState: 'running', configName, ip: `10.0.0.${n}`, error: null, createdAt: this.stamp() };
  }

  private stamp(): string {
    return new Date(Date.UTC(2026, 0, 1, 0, 0, this.seq++)).toISOString();
  }
}
