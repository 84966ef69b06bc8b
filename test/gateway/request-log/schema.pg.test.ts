import assert from 'node:assert/strict';
import type pg from 'pg';
import { createLogsPools } from '../../../gateway/request-log/pg-pool.js';
import { LATEST_SCHEMA_VERSION, migrateSchema } from '../../../gateway/request-log/migrations.js';
import { checkServer } from '../../../gateway/request-log/preflight.js';
import { RequestLogSetupError } from '../../../gateway/request-log/setup-error.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { freshDatabase } from './support.js';

describe('request log: preflight and migrations', () => {
  let server: PostgresServer;
  const pools: pg.Pool[] = [];

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  after(async () => {
    await server?.destroy();
  });

  it('accepts a UTF8 database on PostgreSQL 15 or newer', async () => {
    const db = await freshDatabase(server);
    pools.push(db.pool);
    const facts = await checkServer(db.pool);
    assert.equal(facts.encoding, 'UTF8');
    assert.ok(facts.versionNum >= 150000);
  });

  it('refuses a non-UTF8 database, naming the CREATE DATABASE that fixes it', async () => {
    const db = await freshDatabase(server, 'SQL_ASCII');
    pools.push(db.pool);
    await assert.rejects(checkServer(db.pool), (error: unknown) => {
      assert.ok(error instanceof RequestLogSetupError);
      assert.match(error.message, /is SQL_ASCII-encoded/);
      assert.match(error.message, /CREATE DATABASE "[^"]+" ENCODING 'UTF8' TEMPLATE template0;/);
      return true;
    });
  });

  it('migrates exactly once when three writers start at once', async () => {
    const db = await freshDatabase(server);
    pools.push(db.pool);
    const nodes = [1, 2, 3].map(() => createLogsPools(db.settings, () => undefined));
    pools.push(...nodes.flatMap((node) => [node.writes, node.reads]));
    const nodePools = nodes.map((node) => node.writes);
    const reports = await Promise.all(nodePools.map((pool, index) => migrateSchema(pool, `node-${index + 1}`)));
    const applied = reports.flatMap((report) => report.applied).sort();
    assert.deepEqual(
      applied,
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, index) => index + 1),
    );
    assert.equal(reports.filter((report) => report.applied.length > 0).length, 1, 'one node applied, the others found it done');
    const recorded = await db.pool.query('SELECT version FROM request_log_migrations ORDER BY version');
    assert.deepEqual(
      recorded.rows.map((row: { version: number }) => row.version),
      applied,
    );
    const again = await migrateSchema(db.pool, 'node-4');
    assert.deepEqual(again, { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
  });

  it('refuses a schema newer than its own, and changes nothing', async () => {
    const db = await freshDatabase(server);
    pools.push(db.pool);
    await migrateSchema(db.pool, 'old');
    await db.pool.query("INSERT INTO request_log_migrations (version, description, applied_by) VALUES (99, 'from the future', 'new-node')");
    await assert.rejects(
      migrateSchema(db.pool, 'node'),
      (error: unknown) => error instanceof RequestLogSetupError && /version 99, newer than this node's/.test(error.message),
    );
    const max = await db.pool.query('SELECT max(version) AS v FROM request_log_migrations');
    assert.equal(max.rows[0].v, 99);
  });
});
