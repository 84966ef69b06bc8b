import Docker from 'dockerode';
import { hostname } from 'node:os';
import { DockerUnavailableError, NotManagedError, ProjectUnknownError } from '../../errors.js';
import { LogEvent } from '../../observability/log-events.js';
import type { ContainerEvent, ContainerInfo, DockerHealth, DockerPort } from './docker-port.js';
import { DEFAULT_DOCKER_CALL_TIMEOUT_MS, withDeadline } from '../docker-deadline.js';
import { watchDockerEvents } from './watch-docker-events.js';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, ROLE_LABEL, isManaged, type Role } from './labels.js';
import type { Logger } from '../../../shared/logger.js';
import { backoffDelay, sleep, withRetry, type RetryPolicy } from '../../../shared/backoff.js';

/** Options of the dockerode adapter. */
export interface DockerodePortOptions {
  /** The project to manage; empty = read from the labels of the container we run in. */
  project: string;
  /** Stop timeout in seconds: a stop's deadline must outlast it (Docker kills the node at its end, then answers). */
  stopTimeoutS: number;
  /** How long any other call (a read, start, signal, logs) may take before it counts as failed (RELOADER_DOCKER_TIMEOUT_MS). */
  callTimeoutMs?: number;
  logger: Logger;
  retry?: RetryPolicy;
  /** For tests; by default dockerode reads DOCKER_HOST or uses /var/run/docker.sock. */
  docker?: Docker;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialMs: 500, maxMs: 8000 };

/** A stop's deadline: Docker answers once the node exited, at the latest when it kills it after `stopTimeoutS`. */
function stopDeadlineMs(stopTimeoutS: number): number {
  return (stopTimeoutS + 90) * 1000;
}

/**
 * Connects to Docker and resolves the project to manage. While the Docker API is
 * unreachable, waits with backoff (and says so) rather than exiting into a crash loop.
 *
 * Every read goes through `GET /containers/json` (labels, state, health, networks), never
 * `GET /containers/{id}/json`: that one returns Config.Env, provider keys included, so the
 * socket proxy refuses it and the reloader never holds a node's secrets.
 */
export async function connectDockerPort(options: DockerodePortOptions): Promise<DockerPort> {
  // The client's timeout is an idle-socket one: it bounds the event stream and a stop; every
  // call also gets its own deadline (withDeadline).
  const docker = options.docker ?? new Docker({ timeout: stopDeadlineMs(options.stopTimeoutS) });
  if (options.project !== '') return new DockerodePort(docker, options.project, options);
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_DOCKER_CALL_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      // A container's hostname is its short id unless set otherwise.
      const self = await withDeadline('look up own container', callTimeoutMs, (signal) => findContainer(docker, hostname(), signal));
      if (!self) {
        throw new ProjectUnknownError(`RELOADER_PROJECT is not set and this process does not run in a Docker container (hostname ${hostname()})`);
      }
      const project = self.Labels?.[PROJECT_LABEL] ?? '';
      if (project === '') throw new ProjectUnknownError(`own container ${nameOf(self)} has no ${PROJECT_LABEL} label; set RELOADER_PROJECT`);
      options.logger.info({ event: LogEvent.projectResolved, project }, `managing compose project "${project}"`);
      return new DockerodePort(docker, project, options);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const delay = backoffDelay(attempt, 1000, 30_000);
      options.logger.warn(
        { event: LogEvent.dockerUnavailable, err: describe(error), attempt },
        `Docker API unreachable, retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay);
    }
  }
}

/** The one adapter from dockerode to DockerPort; checks labels before every action. */
class DockerodePort implements DockerPort {
  private readonly retry: RetryPolicy;
  private readonly callTimeoutMs: number;

  constructor(
    private readonly docker: Docker,
    readonly project: string,
    private readonly options: DockerodePortOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_DOCKER_CALL_TIMEOUT_MS;
  }

  async listManaged(role: Role): Promise<ContainerInfo[]> {
    const summaries = await this.call('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${this.project}`, `${ROLE_LABEL}=${role}`] }, abortSignal }),
    );
    // Re-checked here: a filter on the engine side is not a promise the reloader relies on.
    return summaries.filter((summary) => isManaged(summary.Labels, this.project, role)).map(toContainerInfo);
  }

  async inspect(id: string, role: Role): Promise<ContainerInfo | undefined> {
    const summary = await this.call('look up container', (signal) => findContainer(this.docker, id, signal));
    if (!summary) return undefined;
    if (!isManaged(summary.Labels, this.project, role)) throw new NotManagedError(id, role);
    return toContainerInfo(summary);
  }

  async stop(id: string, timeoutS: number): Promise<void> {
    await this.guard(id, 'gateway');
    // The one long call: Docker answers once the node has exited, which may take the whole stop timeout.
    await this.call('stop', (abortSignal) => ignoreNotModified(this.docker.getContainer(id).stop({ t: timeoutS, abortSignal })), stopDeadlineMs(timeoutS));
  }

  async start(id: string): Promise<void> {
    await this.guard(id, 'gateway');
    await this.call('start', (abortSignal) => ignoreNotModified(this.docker.getContainer(id).start({ abortSignal })));
  }

  async signal(id: string, signal: string): Promise<void> {
    await this.guard(id, 'load-balancer');
    await this.call('signal', (abortSignal) => this.docker.getContainer(id).kill({ signal, abortSignal }));
  }

  async logsTail(id: string, lines: number): Promise<string[]> {
    await this.guard(id, 'gateway');
    const raw = await this.call('logs', (abortSignal) =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false, timestamps: false, abortSignal }),
    );
    const buffer = Buffer.from(raw);
    const text = isMultiplexed(buffer) ? demuxDockerStream(buffer) : buffer.toString('utf8');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-lines);
  }

  watchEvents(role: Role, onEvent: (event: ContainerEvent) => void): () => void {
    return watchDockerEvents({ docker: this.docker, project: this.project, role, logger: this.options.logger, onEvent });
  }

  /** Looks the container up right before acting on it and refuses anything unlabelled (or gone). */
  private async guard(id: string, role: Role): Promise<void> {
    const summary = await this.call('look up container', (signal) => findContainer(this.docker, id, signal));
    if (!summary) throw new Error(`container ${id.slice(0, 12)} no longer exists`);
    if (!isManaged(summary.Labels, this.project, role)) throw new NotManagedError(id, role);
  }

  /**
   * One Docker call with its deadline (the short one unless given), retried with backoff while
   * the API seems away; then DockerUnavailableError, which the controller reports in /status.
   */
  private async call<T>(operation: string, op: (signal: AbortSignal) => Promise<T>, timeoutMs = this.callTimeoutMs): Promise<T> {
    try {
      return await withRetry(
        () => withDeadline(operation, timeoutMs, op),
        this.retry,
        isTransient,
        (error, attempt, delayMs) => {
          this.options.logger.warn(
            { event: LogEvent.dockerRetry, err: describe(error), attempt },
            `Docker API ${operation} failed, retrying in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
      );
    } catch (error) {
      if (isTransient(error)) throw new DockerUnavailableError(operation, { cause: error });
      throw error;
    }
  }
}

/**
 * The container whose id is `id` or starts with it, from the list endpoint (Docker matches
 * the `id` filter as a pattern, so the answer is narrowed here to a real prefix).
 */
async function findContainer(docker: Docker, id: string, abortSignal: AbortSignal): Promise<Docker.ContainerInfo | undefined> {
  const found = await docker.listContainers({ all: true, filters: { id: [id] }, abortSignal });
  return found.find((c) => c.Id === id) ?? found.find((c) => c.Id.startsWith(id));
}

function nameOf(summary: Docker.ContainerInfo): string {
  return (summary.Names[0] ?? summary.Id.slice(0, 12)).replace(/^\//, '');
}

function toContainerInfo(summary: Docker.ContainerInfo): ContainerInfo {
  const networks: Record<string, string> = {};
  for (const [name, net] of Object.entries(summary.NetworkSettings?.Networks ?? {})) {
    if (net.IPAddress) networks[name] = net.IPAddress;
  }
  const labels = summary.Labels ?? {};
  return {
    id: summary.Id,
    name: nameOf(summary),
    state: summary.State,
    health: healthOf(summary),
    number: Number.parseInt(labels[CONTAINER_NUMBER_LABEL] ?? '0', 10) || 0,
    labels,
    networks,
  };
}

/**
 * Docker's health check status from a list entry: the `Health` field on engines that send it
 * (API 1.49+), else the suffix of its status line: `Up 3 minutes (healthy)`, `(unhealthy)`,
 * `(health: starting)`.
 */
export function healthOf(summary: Pick<Docker.ContainerInfo, 'Status'> & { Health?: { Status?: string } }): DockerHealth {
  const status = summary.Health?.Status;
  if (status === 'healthy' || status === 'unhealthy' || status === 'starting') return status;
  const suffix = /\((healthy|unhealthy|health: starting)\)\s*$/.exec(summary.Status ?? '')?.[1];
  if (suffix === 'health: starting') return 'starting';
  return suffix === 'healthy' || suffix === 'unhealthy' ? suffix : 'none';
}

/**
 * True when a logs answer is Docker's multiplexed stream (a container without a TTY): frames
 * of a stream byte (0, 1 or 2), three zero bytes and a length. A TTY's raw text never starts so.
 */
export function isMultiplexed(buffer: Buffer): boolean {
  return buffer.length >= 8 && buffer.readUInt8(0) <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxDockerStream(buffer: Buffer): string {
  let out = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    out += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return out;
}

async function ignoreNotModified(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    // 304: already stopped / already started, which is the state we wanted.
    if (statusOf(error) !== 304) throw error;
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

/**
 * Network errors that mean the Docker API is away for now. ENOTFOUND among them: with
 * DOCKER_HOST naming a socket proxy on a compose network, a proxy that is stopped or
 * restarting drops out of Docker's DNS; the API is away, not misconfigured.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: string } | null)?.code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  return /timeout/i.test(String((error as Error | null)?.message ?? ''));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
