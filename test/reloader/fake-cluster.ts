import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  DockerUnavailableError,
  NotManagedError,
  type ContainerEvent,
  type ContainerInfo,
  type DockerHealth,
  type DockerPort,
} from '../../reloader/platform/compose/docker-port.js';
import type { HealthProbe } from '../../reloader/platform/health-probe.js';
import type { NodeHealth } from '../../reloader/rollout/node.js';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, ROLE_LABEL, isManaged, type Role } from '../../reloader/platform/compose/labels.js';
import type { Logger } from '../../shared/logger.js';
import type { RotationControl } from '../../reloader/platform/compose/nginx-rotation.js';
import { rotationKey, type RotationServer } from '../../reloader/platform/compose/render-rotation.js';

/** One simulated gateway container. */
export interface FakeNode {
  id: string;
  name: string;
  number: number;
  state: string;
  health: DockerHealth;
  ip: string;
  labels: Record<string, string>;
  /** The config fingerprint it loaded when it last started. */
  fingerprint: string;
  inFlight: number;
  /** Started while listed in `failing`: never answers /health. */
  broken: boolean;
  /** Got SIGTERM and drains: /health answers `draining` (503). */
  draining: boolean;
}

/**
 * An in-memory cluster: a DockerPort, a HealthProbe and a RotationControl over the same
 * simulated containers. A started node loads whatever `file` is at that moment.
 */
export class FakeCluster {
  readonly project = 'proj';
  readonly nodes = new Map<string, FakeNode>();
  /** Every mutating call, in order: "stop gateway-2", "start gateway-2". */
  readonly calls: string[] = [];
  /** Every server list applied to the "nginx" (names). */
  readonly rotations: string[][] = [];
  /** Nodes that never come back healthy after their next start. */
  readonly failing = new Set<string>();
  /** Runs on a call (e.g. an edit while a node restarts). */
  hooks: Partial<Record<string, () => void>> = {};
  /** New IP for a node when it starts, if set. */
  ipOnStart = new Map<string, string>();
  dockerDown = false;
  /** When set, stop and start emit Docker's events (kill, die, stop / start) to watchers. */
  emitsEvents = false;
  private readonly watchers = new Set<(event: ContainerEvent) => void>();
  /** What Docker's health says right after a start (its first check runs an interval later). */
  dockerHealthOnStart: DockerHealth = 'healthy';
  private applied: RotationServer[] = [];
  private appliedKeyValue: string | undefined;
  private generation = 0;

  constructor(public file: string) {}

  /** Adds a labelled gateway container running `fingerprint`. */
  addNode(name: string, number: number, fingerprint: string, ip = `10.0.0.${number + 10}`): FakeNode {
    const node: FakeNode = {
      id: `id-${name}-${'x'.repeat(20)}`,
      name,
      number,
      state: 'running',
      health: 'healthy',
      ip,
      labels: { [PROJECT_LABEL]: this.project, [ROLE_LABEL]: 'gateway', [CONTAINER_NUMBER_LABEL]: String(number) },
      fingerprint,
      inFlight: 0,
      broken: false,
      draining: false,
    };
    this.nodes.set(node.id, node);
    return node;
  }

  byName(name: string): FakeNode {
    const node = [...this.nodes.values()].find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** Sends a container event to every watcher, as Docker's event stream would. */
  emit(name: string, action: string): void {
    const id = name === '' ? '' : this.byName(name).id;
    for (const watcher of this.watchers) watcher({ id, action });
  }

  /** Names of the nodes stopped, in order. */
  stops(): string[] {
    return this.calls.filter((c) => c.startsWith('stop ')).map((c) => c.slice(5));
  }

  readonly docker: DockerPort = {
    project: this.project,
    listManaged: async (role: Role) => {
      this.failIfDown();
      if (role !== 'gateway') return [];
      return [...this.nodes.values()].filter((n) => isManaged(n.labels, this.project, role)).map((n) => this.info(n));
    },
    inspect: async (id: string, role: Role) => {
      this.failIfDown();
      const node = this.nodes.get(id);
      if (!node) return undefined;
      if (!isManaged(node.labels, this.project, role)) throw new NotManagedError(id, role);
      return this.info(node);
    },
    stop: async (id: string) => {
      const node = this.guard(id);
      this.calls.push(`stop ${node.name}`);
      if (this.emitsEvents) this.emit(node.name, 'kill');
      node.state = 'exited';
      if (this.emitsEvents) ['die', 'stop'].forEach((action) => this.emit(node.name, action));
      this.hooks[`stop ${node.name}`]?.();
    },
    start: async (id: string) => {
      const node = this.guard(id);
      this.calls.push(`start ${node.name}`);
      node.state = 'running';
      node.draining = false;
      node.fingerprint = this.file;
      node.ip = this.ipOnStart.get(node.name) ?? node.ip;
      node.broken = this.failing.has(node.name);
      node.health = node.broken ? 'unhealthy' : this.dockerHealthOnStart;
      if (this.emitsEvents) this.emit(node.name, 'start');
      this.hooks[`start ${node.name}`]?.();
    },
    signal: async () => {},
    logsTail: async (id: string, lines: number) => {
      const node = this.guard(id);
      return [`${node.name}: listening`, `${node.name}: fatal: cannot reach upstream`].slice(-lines);
    },
    watchEvents: (_role: Role, onEvent: (event: ContainerEvent) => void) => {
      this.watchers.add(onEvent);
      return () => void this.watchers.delete(onEvent);
    },
  };

  readonly probe: HealthProbe = {
    probe: async (ip: string): Promise<NodeHealth> => {
      const node = [...this.nodes.values()].find((n) => n.ip === ip && n.state === 'running');
      if (!node || node.broken) return { reachable: false };
      return { reachable: true, status: node.draining ? 'draining' : 'ok', fingerprint: node.fingerprint, inFlight: node.inFlight };
    },
  };

  readonly rotation: RotationControl = {
    apply: async (servers) => {
      this.applied = [...servers];
      this.appliedKeyValue = rotationKey(servers);
      this.rotations.push(servers.map((s) => s.name));
      this.calls.push(`rotation ${servers.map((s) => s.name).join(',')}`);
      return { confirmed: true, generation: ++this.generation };
    },
    appliedKey: () => this.appliedKeyValue,
    describe: () => ({ generation: this.generation, servers: [...this.applied], loadBalancer: 'nginx' }),
  };

  /** The last server list applied, as "name@ip". */
  currentRotation(): string[] {
    return this.applied.map((s) => `${s.name}@${s.ip}`);
  }

  private guard(id: string): FakeNode {
    this.failIfDown();
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no such container ${id}`);
    if (!isManaged(node.labels, this.project, 'gateway')) throw new NotManagedError(id, 'gateway');
    return node;
  }

  private failIfDown(): void {
    // What the real port throws once its own retries are spent.
    if (this.dockerDown)
      throw new DockerUnavailableError('a call', { cause: Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }) });
  }

  private info(node: FakeNode): ContainerInfo {
    return {
      id: node.id,
      name: node.name,
      state: node.state,
      health: node.state === 'running' ? node.health : 'none',
      number: node.number,
      labels: { ...node.labels },
      networks: node.state === 'running' ? { proj_default: node.ip } : {},
    };
  }
}

/** A logger whose lines are kept for assertions: `lines` the `msg` of each, `records` the whole objects. */
export function captureLogger(): { logger: Logger; lines: string[]; records: Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const record = JSON.parse(line) as Record<string, unknown>;
        records.push(record);
        lines.push(typeof record.msg === 'string' ? record.msg : '');
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines, records };
}
