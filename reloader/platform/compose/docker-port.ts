import type { Role } from './labels.js';

/** Docker's view of a container's health: `none` when the image has no healthcheck. */
export type DockerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One container the reloader manages, as Docker reports it. */
export interface ContainerInfo {
  id: string;
  /** Name without the leading slash, e.g. `ai-gateway-gateway-2`. */
  name: string;
  /** Docker state: `running`, `exited`, `restarting`, `created`, `paused`, `dead`. */
  state: string;
  health: DockerHealth;
  /** Compose's container number (0 when absent), for a stable order. */
  number: number;
  labels: Record<string, string>;
  /** IP address per network name. */
  networks: Record<string, string>;
  createdAt: string;
  startedAt: string;
}

/**
 * The handful of Docker verbs the reloader uses. One file adapts dockerode to it; tests use
 * an in-memory stand-in. Every mutating verb refuses a container that lacks the project and
 * role labels, whatever the caller believed.
 */
export interface DockerPort {
  /** The project the reloader belongs to (from its own container's labels or the environment). */
  readonly project: string;
  /** Containers with the project label and the given role label, in no particular order. */
  listManaged(role: Role): Promise<ContainerInfo[]>;
  /** One managed container, or undefined when it is gone. Throws if it is not managed. */
  inspect(id: string, role: Role): Promise<ContainerInfo | undefined>;
  /** Stops a gateway container, giving it `timeoutS` seconds before SIGKILL. */
  stop(id: string, timeoutS: number): Promise<void>;
  /** Starts a stopped gateway container. */
  start(id: string): Promise<void>;
  /** Sends a signal (e.g. `SIGHUP`) to a load-balancer container. */
  signal(id: string, signal: string): Promise<void>;
  /** The last `lines` lines of a gateway container's output, for failure reports. */
  logsTail(id: string, lines: number): Promise<string[]>;
}

/** Thrown when an action targets a container without the reloader's labels. */
export class NotManagedError extends Error {
  constructor(id: string, role: Role) {
    super(`container ${id.slice(0, 12)} is not a ${role} of this project: refusing to touch it`);
    this.name = 'NotManagedError';
  }
}

/** Thrown when the Docker API stays unreachable after retries. */
export class DockerUnavailableError extends Error {
  constructor(operation: string, options?: ErrorOptions) {
    super(`Docker API unavailable during ${operation}`, options);
    this.name = 'DockerUnavailableError';
  }
}
