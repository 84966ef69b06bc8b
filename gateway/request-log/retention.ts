import type pg from 'pg';
import { withPooledClient } from '../../shared/pooled-client.js';

/** Advisory lock key held (per session) while one node deletes old rows. */
export const RETENTION_LOCK_KEY = 7_263_160_002;
/** Rows deleted per statement: each DELETE holds its row locks only briefly. */
export const RETENTION_BATCH_ROWS = 1000;

/** What one retention pass did. */
export interface RetentionReport {
  /** False when another node held the lock (it is doing the work). */
  ran: boolean;
  deleted: number;
}

/**
 * Deletes rows older than `retentionDays` in small batches, oldest first, if no other node is
 * doing it (a try-lock: nodes never queue up behind each other). The cut-off comes from the
 * database's clock, so nodes with skewed clocks agree. `pauseMs` between batches leaves room
 * for the writers and readers.
 */
export async function deleteExpiredRows(
  pool: pg.Pool,
  retentionDays: number,
  options: { pauseMs?: number; batchRows?: number } = {},
): Promise<RetentionReport> {
  const batchRows = options.batchRows ?? RETENTION_BATCH_ROWS;
  // On an error the connection is discarded: its session lock must not outlive it in the pool.
  return withPooledClient(pool, async (client) => {
    const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK_KEY]);
    if (!locked.rows[0]?.locked) return { ran: false, deleted: 0 };
    try {
      const cutoff = await client.query<{ cutoff: Date }>('SELECT now() - make_interval(days => $1) AS cutoff', [retentionDays]);
      let deleted = 0;
      for (;;) {
        const result = await client.query(
          'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE "timestamp" < $1 ORDER BY "timestamp" LIMIT $2)',
          [cutoff.rows[0]?.cutoff, batchRows],
        );
        deleted += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < batchRows) break;
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
      return { ran: true, deleted };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
    }
  });
}
