import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { LogsStoreSettings } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { BatchEncoder } from './batch-encoder.js';
import { insertRows } from './insert-rows.js';
import { RequestLogMetrics } from './log-metrics.js';
import { toRow, type LoggableRequest } from './log-row.js';
import { RequestLogWriter, type LogWriterOptions } from './log-writer.js';
import { migrateSchema } from './migrations.js';
import { createLogsPools, type LogsPools } from './pg-pool.js';
import { checkServer } from './preflight.js';
import { createRedactor } from './redact.js';
import { deleteExpiredRows } from './retention.js';
import { RequestLogSetupError } from './setup-error.js';

/** A node's running request log. */
export interface RequestLog {
  /** Queues the row of a finished request; never waits, never throws. */
  record(request: LoggableRequest): void;
  /** True when rows keep prompts and answers (content logging on): requests then capture them. */
  readonly capturesContent: boolean;
  /** The pool the read API queries (apart from the writer's: a slow search never holds a write up). */
  readonly pool: pg.Pool;
  readonly writer: RequestLogWriter;
  /** Writes what is queued within `timeoutMs` (drain); later rows are dropped. */
  flush(timeoutMs: number): Promise<{ left: number }>;
  /** Stops retention and closes the pools (after flush). */
  close(): Promise<void>;
}

/** What startRequestLog needs besides the store settings. */
export interface StartRequestLogOptions {
  node: string;
  /** False under `client.disable_content_logging`. */
  contentLogging: boolean;
  /** Values to cut out of stored text (provider keys). */
  secrets: readonly string[];
  logger: Logger;
  registry: Registry;
  writer?: LogWriterOptions;
  /** How often a node tries a retention pass (default hourly; the first one a minute after start). */
  retentionIntervalMs?: number;
  retentionFirstRunMs?: number;
}

/**
 * Starts the request log for `logs_store`: for postgres, its pools (writes and reads), a first attempt at preflight
 * and migrations, the batching writer and the retention timer. A database that cannot be
 * reached is not fatal (the writer retries; rows queue meanwhile); one that is reachable and
 * unsuitable (not UTF8, too old, a newer schema) throws RequestLogSetupError so the node
 * refuses to start with the fix in the message. sqlite: a warning, and no log (undefined).
 */
export async function startRequestLog(settings: LogsStoreSettings, options: StartRequestLogOptions): Promise<RequestLog | undefined> {
  const { logger } = options;
  if (settings.type === 'sqlite') {
    logger.warn(
      { event: 'request-log-sqlite-unsupported', path: settings.path },
      'logs_store type "sqlite" is not supported by this node: in a cluster each node would keep its own file. Use type "postgres"; no request log is written.',
    );
    return undefined;
  }
  const db = settings.postgres;
  const where = { host: db.host, port: db.port, database: db.database, user: db.user };
  const pools = createLogsPools(db, (error) =>
    logger.warn({ event: 'request-log-connection-error', error: error.message }, 'request log: idle connection failed'),
  );
  const prepare = async (): Promise<void> => {
    const facts = await checkServer(pools.writes);
    const report = await migrateSchema(pools.writes, options.node);
    logger.info(
      { event: 'request-log-ready', ...where, server_version: facts.versionNum, schema_from: report.from, schema_to: report.to, applied: report.applied },
      'request log: store ready',
    );
  };
  const metrics = new RequestLogMetrics(options.registry);
  const encoder = new BatchEncoder();
  const writer = new RequestLogWriter({ prepare, insert: (rows) => insertRows(pools.writes, rows, encoder), logger, metrics }, options.writer);

  try {
    await prepare();
    writer.notePrepared();
  } catch (error) {
    if (error instanceof RequestLogSetupError) {
      await endPools(pools);
      throw error;
    }
    logger.warn(
      { event: 'request-log-unreachable', ...where, error: (error as Error).message },
      'request log: store unreachable at start; rows queue and are written once it answers',
    );
  }
  const retention = scheduleRetention(pools.writes, settings.retentionDays, options);
  const redact = createRedactor([...options.secrets, db.password]);
  const rowOptions = { node: options.node, contentLogging: options.contentLogging, redact };
  return {
    capturesContent: options.contentLogging,
    pool: pools.reads,
    writer,
    record(request) {
      try {
        writer.enqueue(toRow(request, rowOptions));
      } catch (error) {
        logger.error({ event: 'request-log-row-failed', error: (error as Error).message }, 'request log: could not build a row');
      }
    },
    flush: (timeoutMs) => writer.flush(timeoutMs),
    async close() {
      retention.stop();
      // pool.end() waits for busy connections; a hung query must not hold the node's exit.
      let timer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
      await Promise.race([endPools(pools), cap]);
      clearTimeout(timer);
    },
  };
}

function endPools(pools: LogsPools): Promise<void> {
  return Promise.all([pools.writes.end().catch(() => undefined), pools.reads.end().catch(() => undefined)]).then(() => undefined);
}

function scheduleRetention(pool: pg.Pool, days: number, options: StartRequestLogOptions): { stop(): void } {
  if (days <= 0) return { stop: () => undefined };
  const run = (): void => {
    deleteExpiredRows(pool, days, { pauseMs: 50 })
      .then((report) => {
        if (report.deleted > 0)
          options.logger.info({ event: 'request-log-retention', deleted: report.deleted, retention_days: days }, 'request log: old rows deleted');
      })
      // The table may not exist yet (store unreachable at start): the next pass tries again.
      .catch((error: unknown) =>
        options.logger.warn({ event: 'request-log-retention-failed', error: (error as Error).message }, 'request log: retention pass failed'),
      );
  };
  const first = setTimeout(run, options.retentionFirstRunMs ?? 60_000);
  const every = setInterval(run, options.retentionIntervalMs ?? 3_600_000);
  first.unref();
  every.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
