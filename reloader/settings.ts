import { DEFAULT_DRAIN_DEADLINE_MS, DEFAULT_NODE_STOP_TIMEOUT_S } from '../shared/drain-deadline.js';
import { SettingsError } from './errors.js';
import { DEFAULT_DOCKER_CALL_TIMEOUT_MS } from './platform/docker-deadline.js';

/** The reloader's settings, read from the environment in this one place. */
export interface ReloaderSettings {
  /** RELOADER_PLATFORM: where the gateway nodes run (compose, or a Swarm stack). */
  platform: 'compose' | 'swarm';
  configPath: string;
  port: number;
  /** Compose project to manage; empty = read it from the reloader's own container labels. */
  project: string;
  rotationDir: string;
  gatewayPort: number;
  nginxStatusPort: number;
  healthTimeoutMs: number;
  /**
   * RELOADER_DRAIN_TIMEOUT_MS: how long a node out of rotation may keep its in-flight requests
   * before it is stopped anyway (the drain deadline, shared/drain-deadline.ts; 10 minutes).
   */
  drainTimeoutMs: number;
  /** RELOADER_STOP_TIMEOUT_S: seconds `docker stop` gives a node before SIGKILL; above the drain deadline. */
  stopTimeoutS: number;
  /** RELOADER_DOCKER_TIMEOUT_MS: how long one Docker call other than a stop may go unanswered before it counts as failed. */
  dockerTimeoutMs: number;
  /** Pause after a node is back in rotation before the next one is taken out. */
  settleMs: number;
  debounceMs: number;
  polling: boolean;
  pollIntervalMs: number;
  reconcileIntervalMs: number;
  /** How long to wait for nginx to show a new rotation generation. */
  rotationTimeoutMs: number;
  logLevel: string;
  /** Swarm: the gateway service's name within the stack. */
  swarmService: string;
  /** Swarm: the path the gateway service's config is mounted at (the spec entry that is swapped). */
  swarmConfigTarget: string;
  /** Swarm: spare gateway configs kept besides the ones in use. */
  swarmKeepConfigs: number;
  /** How many earlier config versions the config API keeps in config/.history/. */
  historyKeep: number;
  /** RELOADER_ALLOWED_HOSTS: Host names answered besides the defaults (localhost, IPs, reloader, own hostname); `*` = any. */
  allowedHosts: string[] | '*';
}

// Re-exported: callers of readSettings catch it from here.
export { SettingsError };

/** Reads the settings from `env`, with the documented defaults; throws SettingsError on bad values. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ReloaderSettings {
  return {
    platform: readPlatform(env.RELOADER_PLATFORM),
    configPath: env.CONFIG_PATH || '/config/config.json',
    port: readInt(env, 'RELOADER_PORT', 9090, 0),
    project: env.RELOADER_PROJECT ?? '',
    rotationDir: env.RELOADER_ROTATION_DIR || '/rotation',
    gatewayPort: readInt(env, 'RELOADER_GATEWAY_PORT', 8080, 1),
    nginxStatusPort: readInt(env, 'RELOADER_NGINX_STATUS_PORT', 8081, 1),
    healthTimeoutMs: readInt(env, 'RELOADER_HEALTH_TIMEOUT_MS', 60_000, 1),
    drainTimeoutMs: readInt(env, 'RELOADER_DRAIN_TIMEOUT_MS', DEFAULT_DRAIN_DEADLINE_MS, 0),
    stopTimeoutS: readInt(env, 'RELOADER_STOP_TIMEOUT_S', DEFAULT_NODE_STOP_TIMEOUT_S, 0),
    dockerTimeoutMs: readInt(env, 'RELOADER_DOCKER_TIMEOUT_MS', DEFAULT_DOCKER_CALL_TIMEOUT_MS, 100),
    settleMs: readInt(env, 'RELOADER_SETTLE_MS', 500, 0),
    debounceMs: readInt(env, 'RELOADER_DEBOUNCE_MS', 500, 0),
    polling: readBool(env, 'RELOADER_POLLING', false),
    pollIntervalMs: readInt(env, 'RELOADER_POLL_INTERVAL_MS', 1000, 10),
    reconcileIntervalMs: readInt(env, 'RELOADER_RECONCILE_INTERVAL_MS', 5000, 100),
    rotationTimeoutMs: readInt(env, 'RELOADER_ROTATION_TIMEOUT_MS', 15_000, 100),
    logLevel: env.LOG_LEVEL || 'info',
    swarmService: env.RELOADER_SWARM_SERVICE || 'gateway',
    swarmConfigTarget: env.RELOADER_SWARM_CONFIG_TARGET || '/config/config.json',
    swarmKeepConfigs: readInt(env, 'RELOADER_SWARM_KEEP_CONFIGS', 3, 0),
    historyKeep: readInt(env, 'RELOADER_HISTORY_KEEP', 20, 1),
    allowedHosts: readHostList(env.RELOADER_ALLOWED_HOSTS),
  };
}

function readPlatform(raw: string | undefined): ReloaderSettings['platform'] {
  const value = raw?.trim().toLowerCase() || 'compose';
  if (value === 'compose' || value === 'swarm') return value;
  if (value === 'kubernetes') {
    // Kubernetes rolls a Deployment itself when the ConfigMap's hash changes the pod template.
    throw new SettingsError(
      'RELOADER_PLATFORM=kubernetes: no reloader runs on Kubernetes; see deploy/kubernetes/ and the README (validate with `npm run check-config`, then kubectl apply -k)',
    );
  }
  throw new SettingsError(`RELOADER_PLATFORM must be compose or swarm, got "${raw}"`);
}

/**
 * RELOADER_ADMIN_TOKEN, the bearer token of the config API; undefined when unset or empty.
 * Kept out of ReloaderSettings on purpose: the settings are logged at start.
 */
export function readAdminToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.RELOADER_ADMIN_TOKEN?.trim();
  if (token === undefined || token === '') return undefined;
  if (token.length < 16) throw new SettingsError('RELOADER_ADMIN_TOKEN must be at least 16 characters (e.g. openssl rand -hex 24)');
  return token;
}

function readHostList(raw: string | undefined): string[] | '*' {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.includes('*')) return '*';
  for (const name of names) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.test(name)) {
      throw new SettingsError(`RELOADER_ALLOWED_HOSTS must be comma-separated host names (or *), got "${name}"`);
    }
  }
  return names;
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new SettingsError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function readBool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new SettingsError(`${name} must be true or false, got "${env[name]}"`);
}
