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
  | 'SWARM_UPDATE_FAILED'
  | 'AUTH_REQUIRED'
  | 'WRITES_DISABLED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'PRECONDITION_REQUIRED'
  | 'CONFIG_CONFLICT'
  | 'SECRET_MASKED'
  | 'VERSION_NOT_FOUND'
  | 'CONFIG_WRITE_FAILED'
  | 'INSUFFICIENT_STORAGE'
  | 'TOO_MANY_LOGIN_FAILURES'
  | 'GOVERNANCE_NOT_ENABLED'
  | 'REQUEST_LOG_NOT_ENABLED'
  | 'LOG_NOT_FOUND'
  | 'NO_HEALTHY_NODE'
  | 'NODE_API_BUSY'
  | 'EVENTS_BUSY'
  | 'NODE_UNREACHABLE'
  | 'NODE_TIMEOUT'
  | 'NODE_ANSWER_TOO_LARGE'
  | 'NODE_AUTH_REFUSED'
  | 'NODE_ERROR';

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

/** True for an error that says the platform's API could not be reached (after its own retries). */
export function isDockerUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'DOCKER_UNAVAILABLE';
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

/** The HTTP status the config API answers with for each code it can return. */
export const HTTP_STATUS_OF: Partial<Record<ReloaderErrorCode, number>> = {
  AUTH_REQUIRED: 401,
  WRITES_DISABLED: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  CONFIG_INVALID: 400,
  SECRET_MASKED: 400,
  PRECONDITION_REQUIRED: 428,
  CONFIG_CONFLICT: 412,
  VERSION_NOT_FOUND: 404,
  CONFIG_MISSING: 404,
  CONFIG_WRITE_FAILED: 500,
  INSUFFICIENT_STORAGE: 507,
  TOO_MANY_LOGIN_FAILURES: 429,
  GOVERNANCE_NOT_ENABLED: 404,
  REQUEST_LOG_NOT_ENABLED: 404,
  LOG_NOT_FOUND: 404,
  NO_HEALTHY_NODE: 503,
  NODE_API_BUSY: 503,
  EVENTS_BUSY: 503,
  NODE_UNREACHABLE: 502,
  NODE_TIMEOUT: 504,
  NODE_ANSWER_TOO_LARGE: 502,
  NODE_AUTH_REFUSED: 502,
  NODE_ERROR: 502,
};

/** A refusal of the config API: a code, a message for people, and (for invalid text) every issue. */
export class ApiError extends ReloaderError {
  constructor(
    code: ReloaderErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'ApiError';
  }

  /** The HTTP status for this error's code (500 when the catalogue has none). */
  get status(): number {
    return HTTP_STATUS_OF[this.code] ?? 500;
  }
}
