import assert from 'node:assert/strict';
import type { PoolClient } from 'pg';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { providerConfig } from '../../support/start-gateway.js';
import { startLoggedGateway, waitForRows, type LoggedGateway } from './logged-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

/** The value of a counter line in the /metrics text (0 when absent). */
function metricValue(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.split(' ').pop());
  return total;
}

describe('request log: the database stopped under load', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let upstream: MockUpstream;
  let node: LoggedGateway | undefined;

  before(async () => {
    server = await startPostgres();
    upstream = await MockUpstream.start();
  });

  after(async () => {
    await server?.start().catch(() => undefined);
    await node?.close();
    await upstream?.close();
    await server?.destroy();
  });

  it('keeps answering, drops the oldest rows and counts them, and resumes writing when the database is back', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url), { writer: { maxQueueRows: 10, batchSize: 5 } });
    const client = node.gateway.openai();
    await client.chat.completions.create({ model: 'openai/before', messages: MESSAGES });
    await waitForRows(node.db, 1);

    await server.stop();
    const during = await Promise.all(Array.from({ length: 40 }, (_, i) => client.chat.completions.create({ model: `openai/during-${i}`, messages: MESSAGES })));
    assert.equal(during.length, 40, 'every request succeeded while the database was down');
    const metrics = await (await fetch(`${node.gateway.url}/metrics`)).text();
    assert.ok(metricValue(metrics, 'gateway_request_log_rows_dropped_total{reason="queue_full"}') >= 30, 'drops counted');
    assert.ok(metricValue(metrics, 'gateway_request_log_write_errors_total') >= 1, 'failed writes counted');

    await server.start();
    await client.chat.completions.create({ model: 'openai/after', messages: MESSAGES });
    const rows = await waitForRows(node.db, 1, 'WHERE model = $1', ['after']);
    assert.equal(rows.length, 1, 'writing resumed without a restart');
    // The queue kept the newest rows of the outage: the last requests sent are there.
    const kept = await node.db.query("SELECT count(*)::int AS n FROM request_logs WHERE model LIKE 'during-%'");
    assert.ok(kept.rows[0].n > 0 && kept.rows[0].n <= 10, `kept ${kept.rows[0].n} of 40 outage rows (queue of 10)`);
  });

  it('keeps writing while log searches hold every connection they may use', async () => {
    await node?.close();
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const reads = node.requestLog.pool;
    // Ten long searches: as many connections as the node's whole pool (max_open_conns 10) held.
    const held: PoolClient[] = [];
    const checkouts = Array.from({ length: 10 }, () =>
      reads.connect().then(
        (client) => held.push(client),
        () => undefined,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      await node.gateway.openai().chat.completions.create({ model: 'openai/while-searching', messages: MESSAGES });
      // Before, the writer waited for a connection the searches held, and failed its batches.
      const rows = await waitForRows(node.db, 1, 'WHERE model = $1', ['while-searching']);
      assert.equal(rows.length, 1);
    } finally {
      for (const client of held.splice(0)) client.release();
      await Promise.all(checkouts);
      for (const client of held.splice(0)) client.release();
    }
    // A search the node gave up on stops in the database too.
    const timeout = await reads.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.equal(timeout.rows[0]?.statement_timeout, '30s');
  });

  /** Logs a request, runs `drop` against the log's database, and expects the next request's row written without a restart. */
  async function writesAgainAfter(drop: string, model: string): Promise<void> {
    await node?.close();
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const client = node.gateway.openai();
    await client.chat.completions.create({ model: 'openai/before', messages: MESSAGES });
    await waitForRows(node.db, 1);
    await node.db.query(drop);
    await client.chat.completions.create({ model: `openai/${model}`, messages: MESSAGES });
    const rows = await waitForRows(node.db, 1, 'WHERE model = $1', [model]);
    assert.equal(rows.length, 1, 'written without a restart');
  }

  it('makes its table again when the database lost it while the node ran', async () => {
    // As when the database service is recreated on a new volume.
    await writesAgainAfter('DROP TABLE request_logs; DROP TABLE request_log_migrations', 'after-recreate');
  });

  it('makes its table again when an operator dropped it and left the schema bookkeeping', async () => {
    // The quick way to clear a log: the migrations table still says version 1.
    await writesAgainAfter('DROP TABLE request_logs', 'after-drop');
  });

  it('starts and serves with the database down, then sets up the schema and writes once it is up', async () => {
    await node?.close();
    node = undefined;
    node = await startLoggedGateway(server, providerConfig(upstream.url), { beforeStart: () => server.stop() });
    const answer = await node.gateway.openai().chat.completions.create({ model: 'openai/early', messages: MESSAGES });
    assert.equal(answer.choices[0]?.message.content, 'hello from mock');
    await server.start();
    const rows = await waitForRows(node.db, 1, 'WHERE model = $1', ['early']);
    assert.equal(rows.length, 1);
  });
});
