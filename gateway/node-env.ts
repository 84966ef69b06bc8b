import type { GovernanceEnv } from './governance/create-governance.js';

/** The node's settings from its environment (the only place process.env is read for them). */
export interface NodeEnv {
  configPath: string;
  port: number;
  host: string;
  logLevel: string;
  shutdownTimeoutMs: number;
  governance: GovernanceEnv;
}

/** Reads CONFIG_PATH, PORT, HOST, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS and the GOVERNANCE_* settings with their defaults. */
export function readNodeEnv(env: NodeJS.ProcessEnv): NodeEnv {
  return {
    configPath: env.CONFIG_PATH || 'config/config.json',
    port: readInteger(env.PORT, 8080, 'PORT'),
    host: env.HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    shutdownTimeoutMs: readInteger(env.SHUTDOWN_TIMEOUT_MS, 25_000, 'SHUTDOWN_TIMEOUT_MS'),
    governance: readGovernanceEnv(env),
  };
}

/** The GOVERNANCE_* variables (see the README's Governance section). */
export function readGovernanceEnv(env: NodeJS.ProcessEnv): GovernanceEnv {
  const failMode = env.GOVERNANCE_FAIL_MODE || 'closed';
  if (failMode !== 'closed' && failMode !== 'open') throw new Error(`GOVERNANCE_FAIL_MODE must be "closed" or "open", got "${failMode}"`);
  return {
    ...(env.GOVERNANCE_DATABASE_URL ? { databaseUrl: env.GOVERNANCE_DATABASE_URL } : {}),
    failMode,
    ...(env.GOVERNANCE_PRICES_FILE ? { pricesFile: env.GOVERNANCE_PRICES_FILE } : {}),
    poolMax: Math.max(1, readInteger(env.GOVERNANCE_DB_POOL_MAX, 10, 'GOVERNANCE_DB_POOL_MAX')),
    timeoutMs: Math.max(1, readInteger(env.GOVERNANCE_STORE_TIMEOUT_MS, 1000, 'GOVERNANCE_STORE_TIMEOUT_MS')),
    retryMs: readInteger(env.GOVERNANCE_STORE_RETRY_MS, 1000, 'GOVERNANCE_STORE_RETRY_MS'),
  };
}

function readInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}
