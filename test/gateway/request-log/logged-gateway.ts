import type pg from 'pg';
import { loadConfigBytes } from '../../../shared/config/index.js';
import { createSilentLogger, type Logger } from '../../../shared/logger.js';
import type { LogWriterOptions } from '../../../gateway/request-log/log-writer.js';
import { openRequestLog } from '../../../gateway/request-log/open-request-log.js';
import type { RequestLog } from '../../../gateway/request-log/start-request-log.js';
import { GatewayMetrics } from '../../../gateway/observability/metrics.js';
import type { PostgresServer } from '../../support/postgres-server.js';
import { instantSleep, startGateway, type RunningGateway } from '../../support/start-gateway.js';
import { freshDatabase } from './support.js';

/** A node logging to a fresh database, and what a test needs to look at it. */
export interface LoggedGateway {
  gateway: RunningGateway;
  requestLog: RequestLog;
  /** A superuser pool on the node's database, for assertions. */
  db: pg.Pool;
  /** Stops the node, flushes and closes the log and the pool. */
  close(): Promise<void>;
}

/** Starts a node whose config is `config` plus a logs_store on a fresh database of `server`. */
export async function startLoggedGateway(
  server: PostgresServer,
  config: Record<string, unknown>,
  options: { writer?: LogWriterOptions; env?: NodeJS.ProcessEnv; logger?: Logger; beforeStart?: () => Promise<void> } = {},
): Promise<LoggedGateway> {
  const database = await freshDatabase(server);
  const full = {
    ...config,
    logs_store: {
      enabled: true,
      type: 'postgres',
      config: { host: server.host, port: String(server.port), user: server.user, password: '', db_name: database.name },
    },
  };
  const text = JSON.stringify(full);
  await options.beforeStart?.();
  const { config: runtime } = loadConfigBytes(text, options.env ?? {});
  const metrics = new GatewayMetrics();
  // Writes every 20 ms: tests wait for rows by polling, never by sleeping a guessed time.
  const requestLog = await openRequestLog(runtime, {
    logger: options.logger ?? createSilentLogger(),
    nodeName: 'test-node',
    registry: metrics.registry,
    writer: { flushIntervalMs: 20, retryInitialMs: 20, retryMaxMs: 200, ...options.writer },
  });
  if (!requestLog) throw new Error('request log not started');
  const gateway = await startGateway(text, { sleep: instantSleep, metrics, requestLog, ...(options.env ? { env: options.env } : {}) });
  return {
    gateway,
    requestLog,
    db: database.pool,
    async close() {
      await gateway.close();
      await requestLog.flush(5000);
      await requestLog.close();
      await database.pool.end();
    },
  };
}

/** Polls until `count` rows match `where`, then returns them (oldest first). */
export async function waitForRows(db: pg.Pool, count: number, where = '', params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await db
      .query(`SELECT * FROM request_logs ${where} ORDER BY "timestamp", request_id`, params)
      .catch(() => ({ rows: [] as Record<string, unknown>[] }));
    if (result.rows.length >= count) return result.rows as Record<string, unknown>[];
    if (Date.now() > deadline) throw new Error(`expected ${count} rows ${where}, found ${result.rows.length} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
