import type pg from 'pg';
import type { CounterCheck } from '../hierarchy.js';
import { adjustmentKey, type AdmitOutcome, type CounterAdjustment, type CounterCharge, type CounterReading, type CounterStore } from './counter-store.js';
import { runMigrations } from './migrate.js';

/**
 * The counters in PostgreSQL. An admission is ONE statement (`governance_admit`), so a
 * governed request costs one round trip before its upstream call; settlement is a second
 * statement after the response. Both are named prepared statements. The schema is migrated on
 * first use and again after any failure, so a node started while the database was down
 * recovers without a restart.
 */
export class PgCounterStore implements CounterStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** Checks and charges every counter in one round trip. */
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    await this.migrated();
    const c = charges.map((charge) => charge.check);
    const result = await this.pool.query<{ start_ms: number; end_ms: number; used: string; admitted: boolean; now_ms: number }>({
      // Named: each pooled connection parses and plans it once, not on every request.
      name: 'governance-admit-v1',
      // Times as epoch milliseconds (float8): parsing three timestamptz texts per counter was a
      // measurable part of a governed request's CPU in the node (bench/profile-notes.md).
      text: `SELECT floor(extract(epoch FROM o_window_start) * 1000)::float8 AS start_ms, floor(extract(epoch FROM o_window_end) * 1000)::float8 AS end_ms,
                    o_used AS used, o_admitted AS admitted, floor(extract(epoch FROM o_now) * 1000)::float8 AS now_ms
               FROM governance_admit($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::bigint[], $7::numeric[], $8::numeric[], $9::boolean[])
              ORDER BY o_index`,
      values: [
        c.map((x) => x.scopeKind),
        c.map((x) => x.scopeId),
        c.map((x) => x.limitKind),
        c.map((x) => x.window.seconds),
        c.map((x) => x.window.months),
        c.map((x) => x.window.offsetSeconds),
        c.map((x) => x.max),
        charges.map((charge) => charge.amount),
        c.map((x) => x.limitKind === 'requests'),
      ],
    });
    const deniedIndex = result.rows.findIndex((row) => !row.admitted);
    return {
      admitted: deniedIndex < 0,
      ...(deniedIndex >= 0 ? { deniedIndex } : {}),
      readings: result.rows.map((row) => ({ windowStartMs: row.start_ms, windowEndMs: row.end_ms, used: Number(row.used) })),
      nowMs: result.rows[0]?.now_ms ?? Date.now(),
    };
  }

  /** Adds deltas, merged per window and sorted (the same lock order as admissions). */
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    const merged = new Map<string, CounterAdjustment>();
    for (const a of adjustments) {
      const key = adjustmentKey(a);
      const existing = merged.get(key);
      merged.set(key, existing ? { ...existing, delta: existing.delta + a.delta } : { ...a });
    }
    const rows = [...merged.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, a]) => a)
      .filter((a) => a.delta !== 0);
    if (rows.length === 0) return;
    await this.migrated();
    await this.pool.query({
      name: 'governance-adjust-v1',
      // Window starts travel as epoch milliseconds (float8), not Dates: no date text to build per row.
      text: `INSERT INTO governance_counters AS c (scope_kind, scope_id, limit_kind, window_start, used)
               SELECT k, s, l, to_timestamp(ms / 1000.0), u FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::numeric[]) AS x(k, s, l, ms, u)
             ON CONFLICT (scope_kind, scope_id, limit_kind, window_start) DO UPDATE SET used = c.used + EXCLUDED.used, updated_at = now()`,
      values: [
        rows.map((a) => a.scopeKind),
        rows.map((a) => a.scopeId),
        rows.map((a) => a.limitKind),
        rows.map((a) => a.windowStartMs),
        rows.map((a) => a.delta),
      ],
    });
  }

  /** The usage of each counter's current window (0 where nothing was counted yet). */
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    if (checks.length === 0) return [];
    await this.migrated();
    const result = await this.pool.query<{ w_start: Date; w_end: Date; used: string | null }>(
      `SELECT w.w_start, CASE WHEN u.m > 0 THEN w.w_start + make_interval(months => u.m) ELSE w.w_start + make_interval(secs => u.sec::double precision) END AS w_end,
              (SELECT c.used FROM governance_counters c WHERE c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = w.w_start) AS used
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::bigint[]) WITH ORDINALITY AS u(k, s, l, sec, m, off, n)
         CROSS JOIN LATERAL (SELECT governance_window_start(now(), u.sec, u.m, u.off) AS w_start) w
        ORDER BY u.n`,
      [
        checks.map((x) => x.scopeKind),
        checks.map((x) => x.scopeId),
        checks.map((x) => x.limitKind),
        checks.map((x) => x.window.seconds),
        checks.map((x) => x.window.months),
        checks.map((x) => x.window.offsetSeconds),
      ],
    );
    return result.rows.map((row) => ({
      windowStartMs: row.w_start.getTime(),
      windowEndMs: row.w_end.getTime(),
      used: row.used === null ? 0 : Number(row.used),
    }));
  }

  /** Connects and migrates now (at start-up), so the first requests do not queue behind it. */
  warm(): Promise<void> {
    return this.migrated();
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    await this.pool.end();
  }

  private migrated(): Promise<void> {
    if (!this.ready) {
      this.ready = runMigrations(this.pool).catch((error: unknown) => {
        // Forget the failure: the next request tries again (the database may be back).
        this.ready = undefined;
        throw error;
      });
    }
    return this.ready;
  }
}
