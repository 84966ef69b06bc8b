import { backoffDelay } from '../../shared/backoff.js';
import type { Logger } from '../../shared/logger.js';
import { DropReporter } from './drop-reporter.js';
import type { RequestLogMetrics } from './log-metrics.js';
import type { RequestLogRow } from './log-row.js';
import { RowQueue } from './row-queue.js';
import { RequestLogSetupError } from './setup-error.js';
import { raceTimeout } from '../../shared/race-timeout.js';

/** What the writer needs from the database side. */
export interface LogWriterDeps {
  /** Makes the store usable (preflight and migrations); called until it succeeds once. */
  prepare(): Promise<void>;
  /** Writes one batch (one INSERT). */
  insert(rows: readonly RequestLogRow[]): Promise<void>;
  logger: Logger;
  metrics: RequestLogMetrics;
}

/** Tuning of the writer; the defaults are what a node runs with. */
export interface LogWriterOptions {
  /** Rows per INSERT (default 500). */
  batchSize?: number;
  /**
   * Longest a row waits before a partial batch is written (default 100 ms). Short: a row that
   * waits a second outlives the young generation, and a second's batch serialised at once held
   * requests up (bench/profile-notes.md).
   */
  flushIntervalMs?: number;
  /** Queue bound in rows (default 10,000, as Bifrost) and approximate bytes (default 64 MiB). */
  maxQueueRows?: number;
  maxQueueBytes?: number;
  /** Wait after a failed write, doubling up to retryMaxMs (defaults 500 ms and 15 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/**
 * Writes request-log rows to the store in batches, off the request path: `enqueue` only pushes
 * to a bounded queue (dropping the oldest when full), and one background loop writes a batch
 * at a time. A failed write puts its rows back and retries with backoff, so writing resumes on
 * its own when the database is back. `flush` empties the queue within a deadline (drain).
 */
export class RequestLogWriter {
  private readonly queue: RowQueue;
  private readonly drops: DropReporter;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private prepared = false;
  private failures = 0;
  private disabled = false;
  private stopped = false;

  constructor(
    private readonly deps: LogWriterDeps,
    options: LogWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.retryInitialMs = options.retryInitialMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 15_000;
    this.queue = new RowQueue({ maxRows: options.maxQueueRows ?? 10_000, maxBytes: options.maxQueueBytes ?? 64 * 1024 * 1024 });
    this.drops = new DropReporter(deps.logger);
  }

  /** Rows waiting. */
  get queued(): number {
    return this.queue.length;
  }

  /** Tells the writer the store was made usable (at start-up): its first batch need not prepare it. */
  notePrepared(): void {
    this.prepared = true;
  }

  /** Queues a row for writing; never waits and never throws. */
  enqueue(row: RequestLogRow): void {
    if (this.disabled || this.stopped) {
      this.deps.metrics.dropped.inc({ reason: this.disabled ? 'disabled' : 'shutdown' });
      return;
    }
    this.countDropped(this.queue.push(row), 'queue_full');
    this.deps.metrics.queued.set(this.queue.length);
    // While a write is running, or a failed one waits out its backoff, the loop writes next.
    if (this.running || this.failures > 0) return;
    if (this.queue.length >= this.batchSize) this.kick(0);
    else if (!this.timer) this.kick(this.flushIntervalMs);
  }

  /**
   * Writes what is queued until the queue is empty or `timeoutMs` passed; rows still queued then
   * are dropped and counted. Later rows are refused (the node is stopping). Resolves with counts.
   */
  async flush(timeoutMs: number): Promise<{ left: number }> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = performance.now() + timeoutMs;
    const remaining = (): number => Math.max(0, deadline - performance.now());
    // Every wait races the deadline: a database that stopped answering must not hold the exit.
    while (!this.disabled && remaining() > 0) {
      if (this.running) {
        await raceTimeout(this.running, remaining());
        continue;
      }
      if (this.queue.length === 0) break;
      const ok = await raceTimeout(this.runOnce(), remaining());
      // After a failure, pause briefly (not the full backoff): the deadline bounds the tries.
      if (ok === false) await sleep(Math.min(200, remaining()));
    }
    const left = this.queue.length;
    if (left > 0) {
      this.queue.take(left);
      this.deps.metrics.dropped.inc({ reason: 'shutdown' }, left);
      this.deps.logger.warn({ event: 'request-log-flush-incomplete', dropped: left }, `request log: ${left} rows not written before the drain deadline`);
    }
    this.deps.metrics.queued.set(0);
    return { left };
  }

  private kick(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.loop();
    }, delayMs);
    // A queued row must not keep a finished process alive; drain flushes explicitly.
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    const ok = await this.runOnce();
    if (this.stopped || this.disabled || this.queue.length === 0) return;
    if (!ok) this.kick(backoffDelay(this.failures, this.retryInitialMs, this.retryMaxMs, Math.random));
    else this.kick(this.queue.length >= this.batchSize ? 0 : this.flushIntervalMs);
  }

  /** Prepares the store if needed and writes one batch; true when it succeeded. */
  private runOnce(): Promise<boolean> {
    const attempt = this.writeBatch();
    this.running = attempt.then(() => undefined);
    return attempt.finally(() => (this.running = undefined));
  }

  private async writeBatch(): Promise<boolean> {
    let rows: RequestLogRow[] = [];
    try {
      if (!this.prepared) {
        await this.deps.prepare();
        this.prepared = true;
      }
      rows = this.queue.take(this.batchSize);
      if (rows.length > 0) await this.insertBatch(rows);
      if (this.failures > 0) this.deps.logger.info({ event: 'request-log-resumed', after_failures: this.failures }, 'request log: writing again');
      this.failures = 0;
      return true;
    } catch (error) {
      this.failures++;
      this.deps.metrics.writeErrors.inc();
      if (error instanceof RequestLogSetupError) return this.disable(error, rows.length);
      // The table is gone (the database was recreated while the node ran): make it again.
      if (isSchemaMissing(error)) this.prepared = false;
      this.countDropped(this.queue.putBack(rows), 'queue_full');
      const message = (error as Error).message;
      this.drops.noteError(message);
      if (this.failures === 1)
        this.deps.logger.warn(
          { event: 'request-log-write-failed', error: message, queued: this.queue.length },
          'request log: write failed; retrying with backoff',
        );
      return false;
    } finally {
      this.deps.metrics.queued.set(this.queue.length);
    }
  }

  /**
   * Inserts a batch; when the database refuses its data (not the connection), inserts the rows
   * one by one and drops only those it refuses, so one odd row never blocks the queue forever.
   */
  private async insertBatch(rows: RequestLogRow[]): Promise<void> {
    try {
      await this.deps.insert(rows);
      this.deps.metrics.written.inc(rows.length);
      return;
    } catch (error) {
      if (!isRefusedData(error)) throw error;
    }
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as RequestLogRow;
      try {
        await this.deps.insert([row]);
        this.deps.metrics.written.inc();
      } catch (error) {
        if (!isRefusedData(error)) {
          // The rows not yet written go back to the queue with the caller's put-back.
          rows.splice(0, index);
          throw error;
        }
        this.deps.metrics.dropped.inc({ reason: 'rejected' });
        this.deps.logger.warn(
          { event: 'request-log-row-rejected', id: row.request_id, error: (error as Error).message },
          'request log: the database refused a row; dropped',
        );
      }
    }
  }

  private disable(error: RequestLogSetupError, taken: number): false {
    this.disabled = true;
    const dropped = this.queue.length + taken;
    this.queue.take(this.queue.length);
    this.deps.metrics.dropped.inc({ reason: 'disabled' }, dropped);
    this.deps.logger.error({ event: 'request-log-disabled', error: error.message }, error.message);
    return false;
  }

  private countDropped(count: number, reason: 'queue_full'): void {
    if (count <= 0) return;
    this.deps.metrics.dropped.inc({ reason }, count);
    this.drops.report(count, this.queue.dropped, this.queue.length);
  }
}

/**
 * PostgreSQL refused the data itself, not the connection: SQLSTATE class 22 (data exception),
 * 23 (constraint) or 54 (a program limit, such as a value too large for an index entry).
 */
function isRefusedData(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
}

/** The table or its schema does not exist (42P01 undefined_table, 3F000 invalid_schema_name). */
function isSchemaMissing(error: unknown): boolean {
  const code = sqlState(error);
  return code === '42P01' || code === '3F000';
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
