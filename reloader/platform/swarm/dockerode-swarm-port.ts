import Docker from 'dockerode';
import { hostname } from 'node:os';
import type { Logger } from '../../../shared/logger.js';
import { backoffDelay, sleep } from '../../../shared/backoff.js';
import { DockerUnavailableError, NotAManagerError, ProjectUnknownError } from '../../errors.js';
import { LogEvent } from '../../observability/log-events.js';
import { demuxDockerStream } from '../compose/dockerode-port.js';
import { DEFAULT_DOCKER_CALL_TIMEOUT_MS, withDeadline } from '../docker-deadline.js';
import { CONFIG_NAME_PREFIX } from './config-name.js';
import type { ConfigInfo, ServiceView, SwarmPort, TaskInfo } from './swarm-port.js';

/** The label `docker stack deploy` puts on every service, task container and config of a stack. */
export const STACK_LABEL = 'com.docker.stack.namespace';

/** Options of the dockerode Swarm adapter. */
export interface SwarmPortOptions {
  /** The stack to manage; empty = read from the labels of the container we run in. */
  stack: string;
  /** The gateway service's name within the stack (`gateway` -> `<stack>_gateway`). */
  serviceName: string;
  /** Where the gateway reads its config: the spec's config entry with this target is swapped. */
  configTarget: string;
  logger: Logger;
  /** How long one Docker call may go unanswered before it counts as failed (RELOADER_DOCKER_TIMEOUT_MS). */
  callTimeoutMs?: number;
  /** For tests; by default dockerode reads DOCKER_HOST or uses /var/run/docker.sock. */
  docker?: Docker;
}

/**
 * Connects to the engine, refuses to go on unless it is a Swarm manager (only managers
 * answer service and config calls), and resolves the stack to manage.
 */
export async function connectSwarmPort(options: SwarmPortOptions): Promise<SwarmPort> {
  // The client's timeout is an idle-socket one, a backstop: each call has its own short deadline
  // (info's typings take no signal, so a hung info call's socket lingers until that backstop).
  const docker = options.docker ?? new Docker({ timeout: 60_000 });
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_DOCKER_CALL_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const info = (await withDeadline('info', callTimeoutMs, () => docker.info())) as {
        Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
      };
      const state = info.Swarm?.LocalNodeState ?? 'unknown';
      if (state !== 'active') throw new NotAManagerError(`swarm ${state}`);
      if (info.Swarm?.ControlAvailable !== true) throw new NotAManagerError('a worker node');
      const stack = options.stack || (await readOwnStack(docker, callTimeoutMs));
      const port = new DockerodeSwarmPort(docker, stack, `${stack}_${options.serviceName}`, options.configTarget, callTimeoutMs);
      options.logger.info({ event: LogEvent.swarmResolved, stack, service: port.service }, `managing service ${port.service} of swarm stack "${stack}"`);
      return port;
    } catch (error) {
      if (!isTransient(error)) throw error;
      const delay = backoffDelay(attempt, 1000, 30_000);
      options.logger.warn(
        { event: LogEvent.dockerUnavailable, err: (error as Error).message, attempt },
        `Docker API unreachable, retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay);
    }
  }
}

async function readOwnStack(docker: Docker, callTimeoutMs: number): Promise<string> {
  const self = await withDeadline('inspect own container', callTimeoutMs, (abortSignal) => docker.getContainer(hostname()).inspect({ abortSignal })).catch(
    () => undefined,
  );
  const stack = self?.Config.Labels?.[STACK_LABEL] ?? '';
  if (stack === '') throw new ProjectUnknownError(`cannot tell the swarm stack: this container has no ${STACK_LABEL} label; set RELOADER_PROJECT`);
  return stack;
}

type ConfigRef = { ConfigID: string; ConfigName: string; File?: { Name: string; UID?: string; GID?: string; Mode?: number } };
type RawSpec = { TaskTemplate?: { ContainerSpec?: { Configs?: ConfigRef[] } } } & Record<string, unknown>;

/** The one adapter from dockerode to SwarmPort. */
class DockerodeSwarmPort implements SwarmPort {
  constructor(
    private readonly docker: Docker,
    readonly stack: string,
    readonly service: string,
    private readonly configTarget: string,
    private readonly callTimeoutMs: number,
  ) {}

  async listTasks(): Promise<TaskInfo[]> {
    const service = await this.call('inspect service', (abortSignal) => this.docker.getService(this.service).inspect({ abortSignal }));
    const raw = (await this.call('list tasks', (abortSignal) => this.docker.listTasks({ filters: { service: [this.service] }, abortSignal }))) as RawTask[];
    // Re-checked here: the engine's name filter also matches other services by prefix.
    return raw.filter((t) => t.ServiceID === service.ID).map((t) => toTaskInfo(t, this.configTarget));
  }

  async inspectService(): Promise<ServiceView> {
    const raw = await this.call('inspect service', (abortSignal) => this.docker.getService(this.service).inspect({ abortSignal }));
    const status = raw.UpdateStatus as { State?: string; Message?: string } | undefined;
    return {
      configName: this.findConfig(raw.Spec as RawSpec)?.ConfigName ?? null,
      previousConfigName: raw.PreviousSpec ? (this.findConfig(raw.PreviousSpec as RawSpec)?.ConfigName ?? null) : null,
      updateState: status?.State ?? null,
      updateMessage: status?.Message ?? null,
    };
  }

  async ensureConfig(name: string, data: Buffer): Promise<void> {
    if (await this.configIdOf(name)) return;
    await this.call('create config', (abortSignal) =>
      this.docker.createConfig({
        Name: name,
        Labels: { [STACK_LABEL]: this.stack, 'ai-gateway.role': 'gateway-config' },
        Data: data.toString('base64'),
        abortSignal,
      }),
    );
  }

  async swapConfig(name: string): Promise<void> {
    const id = await this.configIdOf(name);
    if (!id) throw new Error(`swarm config ${name} does not exist`);
    // Another writer (a `docker stack deploy`) may bump the version between inspect and update: retry once on a conflict.
    for (let attempt = 1; ; attempt++) {
      const raw = await this.call('inspect service', (abortSignal) => this.docker.getService(this.service).inspect({ abortSignal }));
      const spec = structuredClone(raw.Spec) as RawSpec;
      const configs = spec.TaskTemplate?.ContainerSpec?.Configs ?? [];
      const current = this.findConfig(spec);
      const file = current?.File ?? { Name: this.configTarget, UID: '0', GID: '0', Mode: 0o444 };
      const next: ConfigRef = { ConfigID: id, ConfigName: name, File: file };
      const swapped = current ? configs.map((c) => (c === current ? next : c)) : [...configs, next];
      spec.TaskTemplate = { ...spec.TaskTemplate, ContainerSpec: { ...spec.TaskTemplate?.ContainerSpec, Configs: swapped } };
      try {
        await withDeadline('update service', this.callTimeoutMs, (abortSignal) =>
          this.docker.getService(this.service).update({ version: raw.Version?.Index, ...spec, abortSignal }),
        );
        return;
      } catch (error) {
        if (attempt >= 3 || !/out of sequence/i.test((error as Error).message)) throw new DockerUnavailableError('update service', { cause: error });
      }
    }
  }

  async listConfigs(): Promise<ConfigInfo[]> {
    const raw = await this.call('list configs', (abortSignal) =>
      this.docker.listConfigs({ filters: { label: [`${STACK_LABEL}=${this.stack}`] }, abortSignal }),
    );
    return raw
      .filter((c) => c.Spec?.Labels?.[STACK_LABEL] === this.stack && (c.Spec?.Name ?? '').startsWith(CONFIG_NAME_PREFIX))
      .map((c) => ({ id: c.ID, name: c.Spec?.Name ?? '', createdAt: c.CreatedAt ?? '' }));
  }

  async removeConfig(id: string): Promise<void> {
    const config = (await this.listConfigs()).find((c) => c.id === id);
    if (!config) throw new Error(`config ${id} is not a gateway config of stack ${this.stack}: refusing to remove it`);
    await this.call('remove config', (abortSignal) => this.docker.getConfig(id).remove({ abortSignal }));
  }

  async logsTail(taskId: string, lines: number): Promise<string[]> {
    const task = (await this.listTasks()).find((t) => t.id === taskId);
    if (!task) return [];
    // @types/dockerode lacks Task#logs, which dockerode has (GET /tasks/{id}/logs).
    const handle = this.docker.getTask(taskId) as unknown as { logs(opts: object): Promise<Buffer> };
    const raw = await this.call('logs', (abortSignal) => handle.logs({ stdout: true, stderr: true, tail: lines, follow: false, abortSignal }));
    return demuxDockerStream(Buffer.from(raw)).split('\n').filter(Boolean).slice(-lines);
  }

  private findConfig(spec: RawSpec): ConfigRef | undefined {
    const configs = spec.TaskTemplate?.ContainerSpec?.Configs ?? [];
    return configs.find((c) => c.File?.Name === this.configTarget) ?? configs.find((c) => c.ConfigName.startsWith(CONFIG_NAME_PREFIX));
  }

  private async configIdOf(name: string): Promise<string | undefined> {
    const raw = await this.call('list configs', (abortSignal) => this.docker.listConfigs({ filters: { name: [name] }, abortSignal }));
    return raw.find((c) => c.Spec?.Name === name)?.ID;
  }

  /** One Docker call with its deadline; a timeout or a lost socket becomes DockerUnavailableError. */
  private async call<T>(operation: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(operation, this.callTimeoutMs, fn);
    } catch (error) {
      if (isTransient(error)) throw new DockerUnavailableError(operation, { cause: error });
      // The engine answers 503 "This node is not a swarm manager" once it was demoted.
      if ((error as { statusCode?: number }).statusCode === 503) throw new NotAManagerError(`demoted or left the swarm (${(error as Error).message})`);
      throw error;
    }
  }
}

interface RawTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string };
  Spec?: { ContainerSpec?: { Configs?: ConfigRef[] } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

function toTaskInfo(task: RawTask, configTarget: string): TaskInfo {
  const configs = task.Spec?.ContainerSpec?.Configs ?? [];
  const config = configs.find((c) => c.File?.Name === configTarget) ?? configs.find((c) => c.ConfigName.startsWith(CONFIG_NAME_PREFIX));
  // The stack's own overlay network: ingress only carries published ports.
  const attachment = (task.NetworksAttachments ?? []).find((a) => a.Network?.Spec?.Name !== 'ingress' && (a.Addresses?.length ?? 0) > 0);
  return {
    id: task.ID,
    slot: task.Slot ?? 0,
    state: task.Status?.State ?? 'unknown',
    desiredState: task.DesiredState ?? 'unknown',
    configName: config?.ConfigName ?? null,
    ip: attachment?.Addresses?.[0]?.split('/')[0] ?? null,
    error: task.Status?.Err || null,
    createdAt: task.CreatedAt ?? '',
  };
}

function isTransient(error: unknown): boolean {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (status !== undefined) return status >= 500 && status !== 503;
  const code = (error as { code?: string } | null)?.code;
  if (code && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code)) return true;
  return /timeout/i.test(String((error as Error | null)?.message ?? ''));
}
