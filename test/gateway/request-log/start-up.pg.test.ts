import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { loadConfigBytes } from '../../../shared/config/index.js';
import { createLogger } from '../../../shared/logger.js';
import { openRequestLog } from '../../../gateway/request-log/open-request-log.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { freshDatabase } from './support.js';

const PROVIDERS = { openai: { keys: [{ name: 'k', value: 'sk-test-0123456789abcdef', models: ['*'] }] } };

/** A logger whose lines land in `lines`, parsed. */
function capturingLogger(lines: Record<string, unknown>[]) {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return createLogger({ destination });
}

describe('request log: start-up warnings', function () {
  this.timeout(30_000);
  let server: PostgresServer;

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
  });

  after(async () => {
    await server?.destroy();
  });

  it('says that sqlite is not supported in a cluster and writes no log', async () => {
    const lines: Record<string, unknown>[] = [];
    const { config } = loadConfigBytes(
      JSON.stringify({ providers: PROVIDERS, logs_store: { enabled: true, type: 'sqlite', config: { path: './logs.db' } } }),
      {},
    );
    const log = await openRequestLog(config, { logger: capturingLogger(lines), nodeName: 'n', registry: new Registry() });
    assert.equal(log, undefined);
    const warning = lines.find((line) => line.event === 'request-log-sqlite-unsupported');
    assert.match(String(warning?.msg), /each node would keep its own file/);
  });

  it('warns that /api/logs is open without admin credentials, and not with them', async () => {
    const db = await freshDatabase(server);
    const store = { enabled: true, type: 'postgres', config: { host: server.host, port: server.port, user: server.user, db_name: db.name } };
    for (const [extra, expectWarning] of [
      [{}, true],
      [{ governance: { auth_config: { admin_username: 'a', admin_password: 'b' } } }, false],
    ] as const) {
      const lines: Record<string, unknown>[] = [];
      const { config } = loadConfigBytes(JSON.stringify({ providers: PROVIDERS, logs_store: store, ...extra }), {});
      const log = await openRequestLog(config, { logger: capturingLogger(lines), nodeName: 'n', registry: new Registry() });
      assert.ok(log);
      await log.close();
      assert.equal(
        lines.some((line) => line.event === 'request-log-api-open'),
        expectWarning,
      );
      assert.ok(lines.some((line) => line.event === 'request-log-ready'));
    }
    await db.pool.end();
  });

  it('writes no log when client.enable_logging is false, and says so', async () => {
    const lines: Record<string, unknown>[] = [];
    const store = { enabled: true, type: 'postgres', config: { host: server.host, port: server.port, user: server.user, db_name: 'unused' } };
    const { config } = loadConfigBytes(JSON.stringify({ providers: PROVIDERS, client: { enable_logging: false }, logs_store: store }), {});
    assert.equal(await openRequestLog(config, { logger: capturingLogger(lines), nodeName: 'n', registry: new Registry() }), undefined);
    assert.ok(lines.some((line) => line.event === 'request-log-off'));
  });
});
