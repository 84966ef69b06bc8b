import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CounterCheck } from '../hierarchy.js';
import type { AdmitOutcome, CounterAdjustment, CounterCharge, CounterReading, CounterStore } from './counter-store.js';
import { type LeaseAsk, LeaseBook, type LeaseBookOptions, type LeaseDelta } from './lease-book.js';
import { runMigrations } from './migrate.js';
import { StatementBatcher } from './statement-batcher.js';

/** One caller's work in a batch: a request's admission, a settlement, or the leases' changes. */
type CounterJob = { charges: readonly CounterCharge[] } | { adjustments: readonly CounterAdjustment[] } | { leaseDeltas: readonly LeaseDelta[] };

/** What settleHeld returns when the leases took every adjustment: shared, never written to. */
const NOTHING_LEFT: readonly CounterAdjustment[] = Object.freeze([]);

/** How often the leases' changes are sent, and idle or ended leases given back (ms). */
const LEASE_SYNC_MS = 250;

/** A row of `governance_apply_held`: one per charge, in the order sent. */
interface ApplyRow {
  o_index: number;
  o_start_ms: number;
  o_end_ms: number;
  o_used: string;
  o_admitted: boolean;
  o_now_ms: number;
  o_granted: string;
}

/**
 * The counters in PostgreSQL. Admissions and settlements go through one statement,
 * `governance_apply_held`, at most one in flight per node: whatever arrives while it runs is
 * sent together in the next (StatementBatcher), and a settlement waits for the next admission
 * to ride with. Each admission is judged alone, in order, against the usage left by the ones
 * before it, so the limits hold exactly as with one statement a request. Far from its limit, a
 * counter also hands the node a lease (LeaseBook): headroom to admit from memory, so most
 * governed requests cost no round trip at all. Its leases are held under a name drawn at start
 * and renewed by each statement; the database hands the leases of a node silent for the lease
 * TTL back to the others. The schema is migrated on first use and again after any failure, so a
 * node started while the database was down recovers without a restart.
 */
export class PgCounterStore implements CounterStore {
  private ready: Promise<void> | undefined;
  private readonly batcher = new StatementBatcher<CounterJob, AdmitOutcome | undefined>((jobs) => this.apply(jobs));
  private readonly leases: LeaseBook;
  private readonly syncTimer: NodeJS.Timeout;
  /** This node's name for its leases in the database: new at every start, so a restart is a new holder. */
  private readonly holder = randomUUID();

  constructor(
    private readonly pool: pg.Pool,
    leaseOptions: LeaseBookOptions = {},
  ) {
    this.leases = new LeaseBook(leaseOptions);
    this.syncTimer = setInterval(() => void this.syncLeases(), LEASE_SYNC_MS);
    // Leases left at exit go back by close(); the timer alone must not keep a process up.
    this.syncTimer.unref();
  }

  /** Checks every counter and, only when all pass, charges them all: from a lease when one covers it. */
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    return this.leases.take(charges) ?? ((await this.batcher.submit({ charges })) as AdmitOutcome);
  }

  /** Admits from this node's leases alone; undefined when they do not cover the request. */
  admitHeld(charges: readonly CounterCharge[]): AdmitOutcome | undefined {
    return this.leases.take(charges);
  }

  /**
   * Adds deltas to counter windows. A settlement rides with the node's next admission (which
   * it precedes in the statement, so this node never judges a request against a reservation
   * already settled), or goes alone within 10 ms when no admission comes.
   */
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    const unleased = this.settleHeld(adjustments);
    if (unleased.length === 0) return;
    await this.batcher.submit({ adjustments: unleased }, { mayWait: true });
  }

  /** Settles into the leases this node still holds the reservations drawn from them, in memory; returns the rest. */
  settleHeld(adjustments: readonly CounterAdjustment[]): readonly CounterAdjustment[] {
    let rest: CounterAdjustment[] | undefined;
    for (const a of adjustments) {
      if (a.delta === 0 || this.leases.settle(a)) continue;
      (rest ??= []).push(a);
    }
    return rest ?? NOTHING_LEFT;
  }

  /**
   * One statement for a batch: its settlements first, then each admission in order. An
   * admission a lease granted by the previous statement now covers is answered from it; of
   * the rest, the first to charge a counter asks for a lease on it.
   */
  private async apply(jobs: readonly CounterJob[]): Promise<(AdmitOutcome | undefined)[]> {
    await this.migrated();
    const answers: (AdmitOutcome | undefined)[] = jobs.map(() => undefined);
    const adjustments: LeaseDelta[] = [];
    const charges: { request: number; charge: CounterCharge; lease: LeaseAsk | undefined }[] = [];
    const asked = new Set<CounterCharge['check']>();
    jobs.forEach((job, request) => {
      if ('leaseDeltas' in job) adjustments.push(...job.leaseDeltas);
      else if ('adjustments' in job) for (const a of job.adjustments) adjustments.push({ ...a, usedDelta: a.delta, leasedDelta: 0 });
      else {
        const fromLease = this.leases.take(job.charges);
        if (fromLease) answers[request] = fromLease;
        else
          for (const charge of job.charges) {
            const lease = asked.has(charge.check) ? undefined : this.leases.wanted(charge);
            if (lease) asked.add(charge.check);
            charges.push({ request, charge, lease });
          }
      }
    });
    if (charges.length === 0 && adjustments.length === 0) return answers;
    const c = charges.map((x) => x.charge.check);
    const result = await this.pool.query<ApplyRow>({
      // Named: each pooled connection parses and plans it once, not on every batch.
      name: 'governance-apply-v4',
      // Times travel as epoch milliseconds (float8): parsing timestamptz texts per counter was a
      // measurable part of a governed request's CPU in the node (bench/profile-notes.md).
      text: `SELECT o_index, o_start_ms, o_end_ms, o_used, o_admitted, o_now_ms, o_granted
               FROM governance_apply_held($1::text, $2::float8, $3::text[], $4::text[], $5::text[], $6::float8[], $7::numeric[], $8::numeric[],
                                     $9::integer[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::integer[], $15::bigint[], $16::numeric[], $17::numeric[], $18::boolean[], $19::numeric[], $20::numeric[])
              ORDER BY o_index`,
      values: [
        this.holder,
        this.leases.ttlMs,
        adjustments.map((a) => a.scopeKind),
        adjustments.map((a) => a.scopeId),
        adjustments.map((a) => a.limitKind),
        adjustments.map((a) => a.windowStartMs),
        adjustments.map((a) => a.usedDelta),
        adjustments.map((a) => a.leasedDelta),
        charges.map((x) => x.request),
        c.map((x) => x.scopeKind),
        c.map((x) => x.scopeId),
        c.map((x) => x.limitKind),
        c.map((x) => x.window.seconds),
        c.map((x) => x.window.months),
        c.map((x) => x.window.offsetSeconds),
        c.map((x) => x.max),
        charges.map((x) => x.charge.amount),
        c.map((x) => x.limitKind === 'requests'),
        charges.map((x) => x.lease?.min ?? 0),
        charges.map((x) => x.lease?.max ?? 0),
      ],
    });
    this.leases.confirmed();
    if (result.rows.length !== charges.length) throw new Error(`governance_apply_held answered ${result.rows.length} rows for ${charges.length} charges`);
    let next = 0;
    jobs.forEach((job, request) => {
      if (!('charges' in job) || answers[request]) return;
      const rows = result.rows.slice(next, next + job.charges.length);
      next += job.charges.length;
      const outcome = toOutcome(rows);
      if (outcome.admitted)
        this.leases.granted(
          job.charges,
          outcome,
          rows.map((row) => Number(row.o_granted)),
        );
      answers[request] = outcome;
    });
    return answers;
  }

  /** Sends what was drawn from and settled into the leases, and gives back idle or ended ones. */
  private async syncLeases(everything = false): Promise<void> {
    const deltas = this.leases.collect(everything);
    if (deltas.length === 0) return;
    try {
      await this.batcher.submit({ leaseDeltas: deltas }, { mayWait: !everything });
    } catch {
      // The database is away: the changes wait for the next statement that goes through.
      this.leases.restore(deltas);
    }
  }

  /** The usage of each counter's current window (0 where nothing was counted yet). */
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    if (checks.length === 0) return [];
    // Settlements and lease draws waiting for a statement go first: the usage view shows every
    // answered request.
    void this.syncLeases();
    await this.batcher.flush();
    await this.migrated();
    const result = await this.pool.query<{ w_start: Date; w_end: Date; used: string | null }>(
      `SELECT w.w_start, CASE WHEN u.m > 0 THEN w.w_start + make_interval(months => u.m) ELSE w.w_start + make_interval(secs => u.sec::double precision) END AS w_end,
              (SELECT c.used - c.leased FROM governance_counters c WHERE c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = w.w_start) AS used
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

  /** Gives the leases back and sends the settlements still waiting, then closes the pool. */
  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    await this.syncLeases(true);
    await this.batcher.flush();
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

/** One admission's rows as its outcome: the first refusing counter, if any, denies it. */
function toOutcome(rows: readonly ApplyRow[]): AdmitOutcome {
  const deniedIndex = rows.findIndex((row) => !row.o_admitted);
  return {
    admitted: deniedIndex < 0,
    ...(deniedIndex >= 0 ? { deniedIndex } : {}),
    readings: rows.map((row) => ({ windowStartMs: row.o_start_ms, windowEndMs: row.o_end_ms, used: Number(row.o_used) })),
    nowMs: rows[0]?.o_now_ms ?? Date.now(),
  };
}
