import type pg from 'pg';
import { withPooledClient } from '../../shared/pooled-client.js';
import { RequestLogSetupError } from './setup-error.js';

/** One schema change: applied once, in order, in the same transaction as its bookkeeping. */
interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Advisory lock key held (per transaction) while migrating: one node at a time. */
export const MIGRATION_LOCK_KEY = 7_263_160_001;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request_logs table and indexes for the common filters',
    sql: `
      CREATE TABLE request_logs (
        id uuid PRIMARY KEY,
        request_id text NOT NULL,
        "timestamp" timestamptz NOT NULL,
        node text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        provider text NOT NULL,
        model text NOT NULL,
        status text NOT NULL,
        http_status integer NOT NULL,
        error_type text,
        error_message text,
        latency_ms double precision NOT NULL,
        ttft_ms double precision,
        prompt_tokens integer,
        completion_tokens integer,
        total_tokens integer,
        cost double precision,
        stream boolean NOT NULL,
        cancelled boolean NOT NULL,
        number_of_retries integer NOT NULL,
        fallback_index integer NOT NULL,
        selected_key_name text,
        virtual_key_id text,
        virtual_key_name text,
        team_id text,
        customer_id text,
        stop_reason text,
        input_history jsonb,
        output_message jsonb,
        params jsonb,
        tools jsonb,
        tool_calls jsonb
      );
      CREATE INDEX request_logs_timestamp_idx ON request_logs ("timestamp" DESC, id DESC);
      CREATE INDEX request_logs_provider_idx ON request_logs (provider, "timestamp" DESC);
      CREATE INDEX request_logs_model_idx ON request_logs (model, "timestamp" DESC);
      CREATE INDEX request_logs_status_idx ON request_logs (status, "timestamp" DESC);
      CREATE INDEX request_logs_virtual_key_idx ON request_logs (virtual_key_id, "timestamp" DESC) WHERE virtual_key_id IS NOT NULL;
      CREATE INDEX request_logs_team_idx ON request_logs (team_id, "timestamp" DESC) WHERE team_id IS NOT NULL;
      CREATE INDEX request_logs_request_id_idx ON request_logs (request_id);
    `,
  },
];

/** The schema version this node writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** What one migrateSchema call did. */
export interface MigrationReport {
  /** The version found before (0: empty database). */
  from: number;
  to: number;
  /** Versions this call applied (empty when another node had already done it). */
  applied: number[];
}

/**
 * Brings the schema to LATEST_SCHEMA_VERSION exactly once across nodes starting together: one
 * transaction holds an advisory lock, reads the version, applies what is missing and records it.
 * Others wait on the lock, then find nothing to do. DDL is transactional in PostgreSQL, so a
 * failure leaves the schema as it was. A schema newer than this node's is refused.
 */
export async function migrateSchema(pool: pg.Pool, appliedBy: string): Promise<MigrationReport> {
  // A connection whose state is unknown after an error is not given back to the pool.
  return withPooledClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      // A node must not wait forever behind a stuck migration; it retries later instead.
      await client.query("SET LOCAL lock_timeout = '60s'");
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS request_log_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL)',
      );
      const found = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM request_log_migrations');
      let from = found.rows[0]?.version ?? 0;
      if (from > LATEST_SCHEMA_VERSION) {
        throw new RequestLogSetupError(
          `logs_store: the request-log schema in this database is version ${from}, newer than this node's (${LATEST_SCHEMA_VERSION}); ` +
            'a newer gateway migrated it. Run that gateway version (or newer) on every node.',
        );
      }
      if (from > 0 && !(await hasLogTable(client))) {
        // An operator cleared the log with DROP TABLE request_logs and left the bookkeeping: the
        // recorded version describes a table that is gone, so the schema is made again from the start.
        await client.query('DELETE FROM request_log_migrations');
        from = 0;
      }
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (migration.version <= from) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO request_log_migrations (version, description, applied_by) VALUES ($1, $2, $3)', [
          migration.version,
          migration.description,
          appliedBy,
        ]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
      return { from, to: LATEST_SCHEMA_VERSION, applied };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

async function hasLogTable(client: pg.PoolClient): Promise<boolean> {
  const found = await client.query<{ present: boolean }>("SELECT to_regclass('request_logs') IS NOT NULL AS present");
  return found.rows[0]?.present === true;
}
