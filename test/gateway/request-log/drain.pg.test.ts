import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type pg from 'pg';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { startGatewayProcess, spawnGateway } from '../../support/spawn-gateway.js';
import { providerConfig } from '../../support/start-gateway.js';
import { freshDatabase } from './support.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

describe('request log: a node process (start-up checks, flush on SIGTERM)', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let upstream: MockUpstream;
  const pools: pg.Pool[] = [];

  before(async () => {
    server = await startPostgres();
    upstream = await MockUpstream.start();
  });

  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await upstream?.close();
    await server?.destroy();
  });

  const configFor = (database: string): Record<string, unknown> => ({
    ...providerConfig(upstream.url),
    logs_store: {
      enabled: true,
      type: 'postgres',
      config: { host: server.host, port: server.port, user: server.user, password: 'env.LOGS_PASSWORD', db_name: database },
    },
  });

  it('writes every row of the requests it served before it exits on SIGTERM', async () => {
    const db = await freshDatabase(server);
    pools.push(db.pool);
    const node = await spawnGateway(configFor(db.name), { env: { SHUTDOWN_TIMEOUT_MS: '10000', LOGS_PASSWORD: 'unused-with-trust' } });
    const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const sent = await Promise.all(Array.from({ length: 25 }, () => client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).withResponse()));
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
    const rows = await db.pool.query<{ request_id: string }>('SELECT request_id FROM request_logs');
    assert.deepEqual(rows.rows.map((row) => row.request_id).sort(), sent.map(({ response }) => response.headers.get('x-request-id')).sort());
    assert.ok(!JSON.stringify(node.logs).includes('unused-with-trust'), 'the password is never logged');
  });

  it('exits soon after SIGTERM when the database is gone, under a 10-minute drain deadline, counting the rows it could not write', async () => {
    const db = await freshDatabase(server);
    pools.push(db.pool);
    const node = await spawnGateway(configFor(db.name), { env: { SHUTDOWN_TIMEOUT_MS: '600000', LOGS_PASSWORD: 'unused-with-trust' } });
    const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    await server.stop();
    try {
      // Served while the database is down: these rows can only queue.
      for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
      const signalled = Date.now();
      node.child.kill('SIGTERM');
      assert.equal(await node.exited, 0);
      const tookS = (Date.now() - signalled) / 1000;
      // The bound is the node's own cap on the state flush (15 s), not the 600 s drain deadline.
      assert.ok(tookS < 40, `exited ${tookS.toFixed(1)} s after SIGTERM`);
      const flushed = node.logs.find((line) => line.event === 'request-log-flushed');
      assert.ok(flushed && Number(flushed.left) >= 5, `the unwritten rows are counted: ${JSON.stringify(flushed)}`);
    } finally {
      await server.start();
    }
  });

  it('refuses to start on a non-UTF8 database, printing the fix', async () => {
    const db = await freshDatabase(server, 'SQL_ASCII');
    pools.push(db.pool);
    const started = startGatewayProcess(configFor(db.name), { env: { LOGS_PASSWORD: 'x' } });
    started.listening.catch(() => undefined);
    assert.equal(await started.gateway.exited, 1);
    assert.match(started.gateway.stderr(), /ENCODING 'UTF8' TEMPLATE template0/);
  });
});
