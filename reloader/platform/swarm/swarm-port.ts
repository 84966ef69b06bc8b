// Re-exported: the port's callers (and its stand-ins in tests) find its errors here.
export { DockerUnavailableError, NotAManagerError } from '../../errors.js';

/** One task of the gateway service, as the Swarm API reports it. */
export interface TaskInfo {
  id: string;
  /** The replica slot (1..replicas): stable across updates, so it names the node. */
  slot: number;
  /** Swarm task state: new, pending, assigned, accepted, preparing, starting, running, complete, failed, shutdown, rejected, orphaned. */
  state: string;
  /** What the orchestrator wants: running, or shutdown once it is replaced. */
  desiredState: string;
  /** The swarm config the task's spec mounts as the gateway's config file, if any. */
  configName: string | null;
  /** IP on the stack's own network (not ingress), or null before it has one. */
  ip: string | null;
  /** Swarm's error message for a failed task, if any. */
  error: string | null;
  createdAt: string;
}

/** The gateway service's config and update progress. */
export interface ServiceView {
  /** The config its spec mounts at the gateway's config path, or null. */
  configName: string | null;
  /** The config of the spec before the last update (what a rollback returns to). */
  previousConfigName: string | null;
  /** Swarm's UpdateStatus.State: updating, paused, completed, rollback_started, rollback_paused, rollback_completed; null before any update. */
  updateState: string | null;
  updateMessage: string | null;
}

/** A swarm config the reloader created. */
export interface ConfigInfo {
  id: string;
  name: string;
  createdAt: string;
}

/**
 * The handful of Swarm verbs the reloader uses, for one stack's gateway service. One file
 * adapts dockerode to it; tests use an in-memory stand-in. Every call is scoped to that
 * service and to configs labelled with the stack: nothing else is ever touched.
 */
export interface SwarmPort {
  /** The stack (com.docker.stack.namespace) the reloader manages. */
  readonly stack: string;
  /** The gateway service's full name, e.g. `ai-gateway_gateway`. */
  readonly service: string;
  /** Tasks of the gateway service, old and new, in no particular order. */
  listTasks(): Promise<TaskInfo[]>;
  inspectService(): Promise<ServiceView>;
  /** Creates the config unless one of that name exists; labels it with the stack. */
  ensureConfig(name: string, data: Buffer): Promise<void>;
  /** Points the gateway service's config file at `name`; Swarm then rolls the tasks per update_config. */
  swapConfig(name: string): Promise<void>;
  /** Configs labelled with this stack and the gateway-config role. */
  listConfigs(): Promise<ConfigInfo[]>;
  /** Removes one config; Docker refuses (and this throws) while a service uses it. */
  removeConfig(id: string): Promise<void>;
  /** The last `lines` lines of a task's output, for failure reports. */
  logsTail(taskId: string, lines: number): Promise<string[]>;
}
