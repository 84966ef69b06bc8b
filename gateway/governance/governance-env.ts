import type { GovernanceEnv } from './create-governance.js';

/**
 * Reads the GOVERNANCE_* variables (the one place they are read; see the README's Governance
 * section): GOVERNANCE_DATABASE_URL, GOVERNANCE_FAIL_MODE (closed|open, default closed),
 * GOVERNANCE_PRICES_FILE, GOVERNANCE_DB_POOL_MAX (10), GOVERNANCE_STORE_TIMEOUT_MS (1000),
 * GOVERNANCE_STORE_RETRY_MS (1000).
 */
export function readGovernanceEnv(env: NodeJS.ProcessEnv): GovernanceEnv {
  const failMode = env.GOVERNANCE_FAIL_MODE || 'closed';
  if (failMode !== 'closed' && failMode !== 'open') throw new Error(`GOVERNANCE_FAIL_MODE must be "closed" or "open", got "${failMode}"`);
  return {
    ...(env.GOVERNANCE_DATABASE_URL ? { databaseUrl: env.GOVERNANCE_DATABASE_URL } : {}),
    failMode,
    ...(env.GOVERNANCE_PRICES_FILE ? { pricesFile: env.GOVERNANCE_PRICES_FILE } : {}),
    poolMax: Math.max(1, readCount(env.GOVERNANCE_DB_POOL_MAX, 10, 'GOVERNANCE_DB_POOL_MAX')),
    timeoutMs: Math.max(1, readCount(env.GOVERNANCE_STORE_TIMEOUT_MS, 1000, 'GOVERNANCE_STORE_TIMEOUT_MS')),
    retryMs: readCount(env.GOVERNANCE_STORE_RETRY_MS, 1000, 'GOVERNANCE_STORE_RETRY_MS'),
  };
}

function readCount(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}
