import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { withPooledClient } from '../../shared/pooled-client.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';

describe('withPooledClient', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let admin: pg.Pool;

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url(), max: 2 });
    admin = new pg.Pool({ connectionString: server.url(), max: 1 });
    // The server stopped at the end sends idle connections a FATAL: not this test's subject.
    pool.on('error', () => undefined);
    admin.on('error', () => undefined);
  });

  after(async () => {
    await pool.end();
    await admin.end();
    await server.destroy();
  });

  it('survives the server ending the session between two queries, and discards that connection', async () => {
    const uncaught: Error[] = [];
    const onUncaught = (error: Error): void => {
      uncaught.push(error);
    };
    // Without the listener the terminated connection's 'error' event ends the process; mocha
    // would see it as an uncaught exception. Catch it here to make the test say so plainly.
    process.prependListener('uncaughtException', onUncaught);
    try {
      let firstPid = 0;
      await assert.rejects(
        withPooledClient(pool, async (client) => {
          firstPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
          await admin.query('SELECT pg_terminate_backend($1)', [firstPid]);
          // The pause a retention pass makes between two batches: the session ends meanwhile.
          await sleep(300);
          await client.query('SELECT 1');
        }),
      );
      assert.deepEqual(uncaught, [], 'no uncaught error event');
      const next = await withPooledClient(pool, async (client) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
      assert.notEqual(next, firstPid, 'the broken connection was not handed out again');
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });

  it('gives a connection back for reuse after work that succeeded, and discards it after work that threw', async () => {
    const pidOf = (client: pg.PoolClient) => client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0]?.pid);
    const first = await withPooledClient(pool, pidOf);
    assert.equal(await withPooledClient(pool, pidOf), first, 'the same idle connection served again');
    await assert.rejects(
      withPooledClient(pool, async (client) => {
        await client.query('SELECT pg_advisory_lock(42)');
        throw new Error('work failed holding a session lock');
      }),
      /work failed/,
    );
    // The lock dies with the discarded session, as soon as the server has ended it.
    let locked = false;
    for (let tries = 0; !locked && tries < 100; tries++) {
      locked = (await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(42) AS locked')).rows[0]?.locked === true;
      if (!locked) await sleep(20);
    }
    assert.equal(locked, true, 'another session took the lock');
    await admin.query('SELECT pg_advisory_unlock(42)');
  });
});
