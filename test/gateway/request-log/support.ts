import pg from 'pg';
import type { PostgresSettings } from '../../../shared/config/index.js';
import type { LoggableRequest } from '../../../gateway/request-log/log-row.js';
import type { PostgresServer } from '../../support/postgres-server.js';

let counter = 0;

/** A fresh UTF8 database on `server`, with its logs_store settings and a superuser pool. */
export async function freshDatabase(server: PostgresServer, encoding = 'UTF8'): Promise<{ name: string; settings: PostgresSettings; pool: pg.Pool }> {
  const name = await server.createDatabase(`logs_${process.pid}_${++counter}`, encoding);
  const settings: PostgresSettings = {
    host: server.host,
    port: server.port,
    user: server.user,
    password: '',
    database: name,
    sslMode: 'disable',
    maxOpenConns: 5,
    maxIdleConns: 0,
  };
  const pool = new pg.Pool({ connectionString: server.url(name), max: 4 });
  // pool.end() resolves before its connections have closed; a server stopped right after
  // sends them a FATAL that would otherwise be an uncaught 'error'.
  pool.on('error', () => undefined);
  return { name, settings, pool };
}

/** A finished request with sensible defaults, for rows built by toRow. */
export function loggable(overrides: Partial<LoggableRequest> = {}): LoggableRequest {
  return {
    requestId: `req-${++counter}`,
    startedAtMs: Date.now(),
    method: 'POST',
    route: '/v1/chat/completions',
    provider: 'openai',
    model: 'gpt-4o-mini',
    httpStatus: 200,
    latencyMs: 12.5,
    stream: false,
    cancelled: false,
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    attempts: 1,
    fallbackIndex: 0,
    keyName: 'test-key',
    content: { input: [{ role: 'user', content: 'hi' }], output: { role: 'assistant', content: 'hello' } },
    ...overrides,
  };
}

/** Counts the rows of request_logs. */
export async function countRows(pool: pg.Pool, where = ''): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM request_logs ${where}`);
  return Number(result.rows[0]?.n ?? 0);
}
