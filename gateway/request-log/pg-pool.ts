import type pg from 'pg';
import { loadPg } from '../../shared/load-pg.js';
import type { PostgresSettings } from '../../shared/config/index.js';

/** Bounds so that a database that stops answering cannot hold a writer or a reader forever. */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 30_000;

/**
 * Opens a connection pool for the logs store: up to `max_open_conns` connections, keeping at
 * least `max_idle_conns` of them open when idle (pg's nearest equivalent of Go's setting).
 * Errors of idle connections (the server restarted) are reported, not thrown.
 */
export function createLogsPool(settings: PostgresSettings, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new (loadPg().Pool)({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    ssl: sslOption(settings.sslMode),
    max: settings.maxOpenConns,
    min: Math.min(settings.maxIdleConns, settings.maxOpenConns),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'ai-gateway-request-log',
  });
  pool.on('error', onIdleError);
  return pool;
}

/** libpq's sslmode as node-postgres options: verify-* check the certificate, the others do not. */
function sslOption(mode: string): pg.PoolConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      // node-postgres cannot fall back from TLS to plain text; these connect without TLS.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    default:
      return { rejectUnauthorized: true };
  }
}
