import type pg from 'pg';
import { loadPg } from '../../../shared/load-pg.js';
import type { LogsStoreSettings } from '../../../shared/config/index.js';

/**
 * Where the governance counters live: the `logs_store` database when config.json has a
 * PostgreSQL one (the request logs use it too: one stateful service to run and back up),
 * else GOVERNANCE_DATABASE_URL. The pool is small and bounded: N nodes x pool size must stay
 * under the server's max_connections (PostgreSQL's default is 100).
 */

/** How to reach the store, before a pool is made. */
export interface StoreTarget {
  /** For log lines: where, without user or password. */
  description: string;
  config: pg.PoolConfig;
}

/** Tuning read from the node's environment (see node-env.ts). */
export interface StoreTuning {
  /** Pool size per node. */
  poolMax: number;
  /** Query deadline, ms: a slow store counts as down (the server cancels a statement past it). Getting a connection (a pool slot, or a new one) may take three times as long, so that a burst queueing for the pool is not taken for an outage. */
  timeoutMs: number;
}

/** The store to use, or undefined when none is configured. Throws for a non-PostgreSQL logs_store with no URL. */
export function findStoreTarget(logsStore: LogsStoreSettings | undefined, databaseUrl: string | undefined, tuning: StoreTuning): StoreTarget | undefined {
  const common: pg.PoolConfig = {
    max: tuning.poolMax,
    connectionTimeoutMillis: tuning.timeoutMs * 3,
    // The deadline is the server's: a statement past it is cancelled and rolled back there, so
    // the error the node sees means "not applied", and the fail-open path may keep the change and
    // send it again. A client-side deadline alone left the statement running: it committed after
    // the node had given up on it, and the change was counted twice. The client's own deadline,
    // later, is only for a server that does not answer at all (its cancellation included).
    statement_timeout: tuning.timeoutMs,
    query_timeout: tuning.timeoutMs * 2,
    idleTimeoutMillis: 30_000,
    application_name: 'ai-gateway-governance',
  };
  if (logsStore?.type === 'postgres') {
    const { host, port, database, user, password, sslMode } = logsStore.postgres;
    return {
      description: `logs_store postgres ${host}:${port}/${database}`,
      config: {
        ...common,
        host,
        port,
        database,
        user,
        password,
        ssl:
          sslMode === 'disable' || sslMode === 'allow' || sslMode === 'prefer'
            ? false
            : { rejectUnauthorized: sslMode === 'verify-full' || sslMode === 'verify-ca' },
      },
    };
  }
  if (databaseUrl) {
    let description = 'GOVERNANCE_DATABASE_URL';
    try {
      const url = new URL(databaseUrl);
      description = `GOVERNANCE_DATABASE_URL ${url.hostname}:${url.port || 5432}${url.pathname}`;
    } catch {
      // pg reports a malformed URL itself; the description never echoes it (it may hold a password).
    }
    return { description, config: { ...common, connectionString: databaseUrl } };
  }
  return undefined;
}

/** Makes the pool; its idle-client errors (the server went away) are reported, never thrown. */
export function createPool(target: StoreTarget, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new (loadPg().Pool)(target.config);
  pool.on('error', onIdleError);
  return pool;
}
