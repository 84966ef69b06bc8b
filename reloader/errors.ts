/**
 * The reloader's errors, each with a stable code. Programs (the config API to come, the
 * tests) match on `code`; the message is for people and may be reworded.
 */
export type ReloaderErrorCode =
  | 'DOCKER_UNAVAILABLE'
  | 'NOT_MANAGED'
  | 'PROJECT_UNKNOWN'
  | 'ROTATION_TIMEOUT'
  | 'LOAD_BALANCER_NO_ADDRESS'
  | 'SETTINGS_INVALID'
  | 'CONFIG_INVALID'
  | 'CONFIG_MISSING'
  | 'NO_VALID_CONFIG'
  | 'ROLLOUT_BUSY'
  | 'NOT_A_MANAGER'
  | 'SWARM_UPDATE_FAILED';

/** Base of every error the reloader raises on purpose. */
export class ReloaderError extends Error {
  constructor(
    readonly code: ReloaderErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ReloaderError';
  }
}

/** Thrown when an action targets a container without the reloader's labels. */
export class NotManagedError extends ReloaderError {
  constructor(id: string, role: string) {
    super('NOT_MANAGED', `container ${id.slice(0, 12)} is not a ${role} of this project: refusing to touch it`);
    this.name = 'NotManagedError';
  }
}

/** Thrown when the Docker API stays unreachable after retries. */
export class DockerUnavailableError extends ReloaderError {
  constructor(operation: string, options?: ErrorOptions) {
    super('DOCKER_UNAVAILABLE', `Docker API unavailable during ${operation}`, options);
    this.name = 'DockerUnavailableError';
  }
}

/** Thrown when the reloader cannot tell which project it manages. */
export class ProjectUnknownError extends ReloaderError {
  constructor(message: string) {
    super('PROJECT_UNKNOWN', message);
    this.name = 'ProjectUnknownError';
  }
}

/** Thrown when the load balancer did not confirm a new server list (or cannot be reached at all). */
export class RotationError extends ReloaderError {
  constructor(message: string, code: 'ROTATION_TIMEOUT' | 'LOAD_BALANCER_NO_ADDRESS' = 'ROTATION_TIMEOUT') {
    super(code, message);
    this.name = 'RotationError';
  }
}

/** Thrown for an environment variable that cannot be used. */
export class SettingsError extends ReloaderError {
  constructor(message: string) {
    super('SETTINGS_INVALID', message);
    this.name = 'SettingsError';
  }
}

/** A config file (or a proposed edit) that fails the gateway's validation. */
export class ConfigInvalidError extends ReloaderError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigInvalidError';
  }
}

/** Thrown when the reloader runs in Swarm mode on an engine that is not a Swarm manager. */
export class NotAManagerError extends ReloaderError {
  constructor(state: string) {
    super(
      'NOT_A_MANAGER',
      `RELOADER_PLATFORM=swarm needs a Swarm manager (this engine: ${state}): service and config calls work only on managers; constrain the reloader with deploy.placement.constraints [node.role == manager]`,
    );
    this.name = 'NotAManagerError';
  }
}

/** Thrown when Swarm rolled the gateway service back (or paused its update) instead of finishing it. */
export class SwarmUpdateError extends ReloaderError {
  constructor(message: string) {
    super('SWARM_UPDATE_FAILED', message);
    this.name = 'SwarmUpdateError';
  }
}
