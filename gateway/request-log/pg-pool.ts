import type pg from 'pg';
import { loadPg } from '../../shared/load-pg.js';
import type { PostgresSettings } from '../../shared/config/index.js';

/** Bounds so that a database that stops answering cannot hold a writer or a reader forever. */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 30_000;

/** The logs store's connections: the writer's and the read API's, apart. */
export interface LogsPools {
  /** Inserts, migrations and retention. */
  writes: pg.Pool;
  /** GET /api/logs: searches and single rows. */
  reads: pg.Pool;
}

/**
 * Opens the logs store's connection pools, `max_open_conns` connections between them: half
 * (at least one) for the read API, the rest (at least one) for writing. Apart, because a few
 * searches over a big table held every connection of one shared pool, and the writer, waiting
 * for one, failed its batches meanwhile. Reads also carry a server-side statement timeout, so
 * a search the node gave up on does not keep running in the database. `max_idle_conns` stay
 * open on the writer's side, where traffic is steady. Errors of idle connections (the server
 * restarted) are reported, not thrown.
 */
export function createLogsPools(settings: PostgresSettings, onIdleError: (error: Error) => void): LogsPools {
  const readMax = Math.max(1, Math.floor(settings.maxOpenConns / 2));
  const writeMax = Math.max(1, settings.maxOpenConns - readMax);
  const writes = openPool(settings, { max: writeMax, min: Math.min(settings.maxIdleConns, writeMax), application_name: 'ai-gateway-request-log' });
  const reads = openPool(settings, {
    max: readMax,
    min: 0,
    application_name: 'ai-gateway-request-log-reads',
    statement_timeout: QUERY_TIMEOUT_MS,
  });
  writes.on('error', onIdleError);
  reads.on('error', onIdleError);
  return { writes, reads };
}

function openPool(settings: PostgresSettings, sizing: Pick<pg.PoolConfig, 'max' | 'min' | 'application_name' | 'statement_timeout'>): pg.Pool {
  return new (loadPg().Pool)({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    ssl: sslOption(settings.sslMode),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    ...sizing,
  });
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
