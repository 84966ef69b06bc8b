import type { Logger } from '../../shared/logger.js';

/** At most one drop line per this interval: a database outage at 1,000 req/s must not flood the log. */
export const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Counts dropped rows and writes one warning line per interval with how many were dropped
 * since the last line and why.
 */
export class DropReporter {
  private pending = 0;
  private lastLineAt = -Infinity;
  private lastError: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Notes the error of the last failed write, named in the next line. */
  noteError(message: string): void {
    this.lastError = message;
  }

  /** Counts `count` dropped rows; logs if the interval has passed. */
  report(count: number, total: number, queued: number): void {
    if (count <= 0) return;
    this.pending += count;
    const now = this.now();
    if (now - this.lastLineAt < DROP_LOG_INTERVAL_MS) return;
    this.lastLineAt = now;
    this.logger.warn(
      { event: 'request-log-dropped', dropped: this.pending, dropped_total: total, queued, last_error: this.lastError },
      `request log: dropped ${this.pending} oldest rows (queue full; the logs store is slow or unreachable)`,
    );
    this.pending = 0;
  }
}
