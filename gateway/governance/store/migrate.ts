import type pg from 'pg';
import { withPooledClient } from '../../../shared/pooled-client.js';
import { MIGRATIONS } from './schema-sql.js';

/** Any fixed 64-bit number: the advisory lock every node takes around migrations. */
const MIGRATION_LOCK = 7_305_118_402_211;

/**
 * Applies the governance migrations not yet applied, holding `pg_advisory_lock` so that
 * nodes starting together (every rollout) do not race each other's DDL.
 */
export async function runMigrations(pool: pg.Pool): Promise<void> {
  // A client whose connection failed mid-way is thrown away, not returned to the pool.
  await withPooledClient(pool, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS governance_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = await client.query<{ version: number }>('SELECT version FROM governance_migrations');
      const applied = new Set(done.rows.map((row) => row.version));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO governance_migrations (version) VALUES ($1)', [migration.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
