import type { DockerHealth } from '../../rollout/node.js';
import type { Role } from './labels.js';

// Re-exported: the port's callers (and its stand-ins in tests) find its types and errors here.
export type { DockerHealth };
export { DockerUnavailableError, NotManagedError } from '../../errors.js';

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
}

/** A container event from Docker's stream: its id and action (`kill`, `die`, `start`, `health_status`, ...). */
export interface ContainerEvent {
  id: string;
  /** Docker's action, or `resync` after the stream was reconnected (events may have been missed). */
  action: string;
  /** What follows the colon in Docker's action, e.g. `healthy` for `health_status: healthy`. */
  detail?: string;
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
  /**
   * One managed container, or undefined when it is gone. Throws if it is not managed. Read
   * from the list endpoint: a container's full inspect carries its environment (secrets).
   */
  inspect(id: string, role: Role): Promise<ContainerInfo | undefined>;
  /** Stops a gateway container, giving it `timeoutS` seconds before SIGKILL. */
  stop(id: string, timeoutS: number): Promise<void>;
  /** Starts a stopped gateway container. */
  start(id: string): Promise<void>;
  /** Sends a signal (e.g. `SIGHUP`) to a load-balancer container. */
  signal(id: string, signal: string): Promise<void>;
  /** The last `lines` lines of a gateway container's output, for failure reports. */
  logsTail(id: string, lines: number): Promise<string[]>;
  /** Follows start/kill/stop/die/destroy/health events of the project's `role` containers; returns a stop function. */
  watchEvents(role: Role, onEvent: (event: ContainerEvent) => void): () => void;
}
