import assert from 'node:assert/strict';
import type pg from 'pg';
import { BatchEncoder } from '../../../gateway/request-log/batch-encoder.js';
import { insertRows } from '../../../gateway/request-log/insert-rows.js';
import { parseLogQuery } from '../../../gateway/request-log/log-filters.js';
import { findLog, searchLogs } from '../../../gateway/request-log/log-query.js';
import { toRow, type LoggableRequest } from '../../../gateway/request-log/log-row.js';
import { migrateSchema } from '../../../gateway/request-log/migrations.js';
import { deleteExpiredRows, RETENTION_LOCK_KEY } from '../../../gateway/request-log/retention.js';
import { RequestLogMetrics } from '../../../gateway/request-log/log-metrics.js';
import { RequestLogWriter } from '../../../gateway/request-log/log-writer.js';
import { createSilentLogger } from '../../../shared/logger.js';
import { Registry } from 'prom-client';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { countRows, freshDatabase, loggable } from './support.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const rowOf = (request: LoggableRequest) => toRow(request, { node: 'n1', contentLogging: true, redact: (text) => text });

describe('request log: filters, paging, stats and retention', () => {
  let server: PostgresServer;
  let pool: pg.Pool;

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
    const db = await freshDatabase(server);
    pool = db.pool;
    await migrateSchema(pool, 'test');
    const rows = [];
    for (let i = 0; i < 30; i++) {
      rows.push(
        rowOf(
          loggable({
            requestId: `q-${i}`,
            startedAtMs: T0 + i * 60_000,
            provider: i % 3 === 0 ? 'anthropic' : 'openai',
            model: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
            latencyMs: 100 + i,
            usage: { prompt_tokens: i, completion_tokens: 1, total_tokens: i + 1 },
            cost: i / 100,
            virtualKeyId: i < 5 ? 'vk-team-a' : undefined,
            ...(i % 10 === 9 ? { httpStatus: 429, errorCode: 'rate_limited', errorMessage: 'slow down' } : {}),
            content: { input: [{ role: 'user', content: i === 7 ? 'find the needle please' : 'hay' }] },
          }),
        ),
      );
    }
    await insertRows(pool, rows);
  });

  after(async () => {
    await pool?.end();
    await server?.destroy();
  });

  const search = (query: Record<string, string>) => {
    const { filters, page } = parseLogQuery(query);
    return searchLogs(pool, filters, page);
  };

  it('pages newest first by default with the total count and stats over every match', async () => {
    const result = await search({ limit: '10', offset: '5' });
    assert.equal(result.logs.length, 10);
    assert.equal(result.logs[0]?.request_id, 'q-24');
    assert.equal(result.pagination.total_count, 30);
    assert.deepEqual(result.pagination, { limit: 10, offset: 5, sort_by: 'timestamp', order: 'desc', total_count: 30 });
    assert.equal(result.stats.total_requests, 30);
    assert.equal(result.stats.success_rate, 90);
    assert.equal(result.stats.average_latency, 114.5);
    assert.equal(result.stats.total_tokens, 465);
    assert.equal(Math.round(result.stats.total_cost * 100), 435);
  });

  it('filters by provider, model, status, virtual key, time range, latency, tokens and cost', async () => {
    assert.equal((await search({ providers: 'anthropic' })).pagination.total_count, 10);
    assert.equal((await search({ providers: 'anthropic,openai', models: 'gpt-4o' })).pagination.total_count, 15);
    assert.equal((await search({ status: 'error' })).pagination.total_count, 3);
    assert.equal((await search({ virtual_key_ids: 'vk-team-a' })).pagination.total_count, 5);
    const window = { start_time: new Date(T0 + 10 * 60_000).toISOString(), end_time: new Date(T0 + 19 * 60_000).toISOString() };
    assert.equal((await search(window)).pagination.total_count, 10);
    assert.equal((await search({ min_latency: '120', max_latency: '124' })).pagination.total_count, 5);
    assert.equal((await search({ min_tokens: '26' })).pagination.total_count, 5);
    assert.equal((await search({ max_cost: '0.015' })).pagination.total_count, 2);
    assert.equal((await search({ request_id: 'q-3' })).logs[0]?.request_id, 'q-3');
    assert.deepEqual(
      (await search({ content_search: 'NEEDLE' })).logs.map((log) => log.request_id),
      ['q-7'],
    );
  });

  it('sorts by latency, tokens or cost in either order', async () => {
    assert.equal((await search({ sort_by: 'latency', order: 'asc', limit: '1' })).logs[0]?.request_id, 'q-0');
    assert.equal((await search({ sort_by: 'tokens', limit: '1' })).logs[0]?.request_id, 'q-29');
    assert.equal((await search({ sort_by: 'cost', order: 'asc', limit: '1' })).logs[0]?.request_id, 'q-0');
  });

  it('refuses bad parameters, naming them', () => {
    for (const [param, value] of [
      ['limit', '1001'],
      ['offset', '-1'],
      ['sort_by', 'name'],
      ['order', 'up'],
      ['start_time', 'yesterday'],
      ['min_cost', 'cheap'],
    ] as const) {
      assert.throws(
        () => parseLogQuery({ [param]: value }),
        (error: unknown) => (error as { param?: string }).param === param,
      );
    }
  });

  it('stores the arrival time to the millisecond', async () => {
    const startedAtMs = Date.parse('2026-06-02T10:15:30.123Z');
    await insertRows(pool, [rowOf(loggable({ requestId: 'ms-precise', startedAtMs }))]);
    const stored = await pool.query<{ ms: string }>(
      `SELECT (extract(epoch FROM "timestamp") * 1000)::bigint AS ms FROM request_logs WHERE request_id = 'ms-precise'`,
    );
    assert.equal(Number(stored.rows[0]?.ms), startedAtMs);
  });

  it('stores content that looks like the batch itself as text, one row per request', async () => {
    // Rows travel to PostgreSQL as one JSON array: content shaped like that array's own syntax
    // must stay content and never add, split or end a row.
    const forged = '"}, {"id": "00000000-0000-0000-0000-000000000001", "request_id": "forged"}] --';
    await insertRows(pool, [
      rowOf(loggable({ requestId: 'shape-1', content: { input: [{ role: 'user', content: forged }] }, errorMessage: forged, httpStatus: 500 })),
      rowOf(loggable({ requestId: 'shape-2', model: forged, cost: Number.NaN, latencyMs: 12.34 })),
    ]);
    const stored = await pool.query(
      "SELECT request_id, model, error_message, input_history, cost, latency_ms FROM request_logs WHERE request_id IN ('shape-1', 'shape-2', 'forged') ORDER BY request_id",
    );
    assert.deepEqual(
      stored.rows.map((row: { request_id: string }) => row.request_id),
      ['shape-1', 'shape-2'],
    );
    assert.equal(stored.rows[0].error_message, forged);
    assert.deepEqual(stored.rows[0].input_history, [{ role: 'user', content: forged }]);
    assert.equal(stored.rows[1].model, forged);
    // A cost that is not a number is unknown, not a refused row.
    assert.equal(stored.rows[1].cost, null);
    assert.equal(stored.rows[1].latency_ms, 12.3);
  });

  it('finds one log by id with its content and error details', async () => {
    const [listed] = (await search({ request_id: 'q-9' })).logs;
    const found = await findLog(pool, listed?.id ?? '');
    assert.equal(found?.request_id, 'q-9');
    assert.deepEqual(found?.error_details, { type: 'rate_limited', message: 'slow down' });
    assert.deepEqual(found?.input_history, [{ role: 'user', content: 'hay' }]);
    assert.equal(await findLog(pool, '00000000-0000-0000-0000-000000000000'), undefined);
    assert.equal(await findLog(pool, 'not-a-uuid'), undefined);
  });

  it('deletes rows past retention in batches, one node at a time', async () => {
    const old = Array.from({ length: 25 }, (_, i) => rowOf(loggable({ requestId: `old-${i}`, startedAtMs: Date.now() - 40 * DAY })));
    await insertRows(pool, old);
    const holder = await pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      assert.deepEqual(await deleteExpiredRows(pool, 30, { batchRows: 10 }), { ran: false, deleted: 0 }, 'another node holds the lock');
      await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
    } finally {
      holder.release();
    }
    // The fixed rows of T0 (2026-06-01) are recent enough only if the clock says so: count them first.
    const recentBefore = await countRows(pool, "WHERE request_id NOT LIKE 'old-%' AND \"timestamp\" >= now() - interval '30 days'");
    const report = await deleteExpiredRows(pool, 30, { batchRows: 10 });
    assert.equal(report.ran, true);
    assert.equal(await countRows(pool, "WHERE request_id LIKE 'old-%'"), 0);
    assert.equal(await countRows(pool, "WHERE request_id NOT LIKE 'old-%' AND \"timestamp\" >= now() - interval '30 days'"), recentBefore);
    assert.equal(await countRows(pool, 'WHERE "timestamp" < now() - interval \'30 days\''), 0);
  });

  it('fails a retention pass whose session the server ends between batches, and the next pass finishes', async () => {
    const old = Array.from({ length: 25 }, (_, i) => rowOf(loggable({ requestId: `ended-${i}`, startedAtMs: Date.now() - 40 * DAY })));
    await insertRows(pool, old);
    const pass = deleteExpiredRows(pool, 30, { batchRows: 10, pauseMs: 2_000 });
    // The pass pauses after its first batch: end its session then (a restart, an administrator).
    let ended = 0;
    for (let tries = 0; ended === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const result = await pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'DELETE FROM request_logs%' AND state = 'idle' AND pid <> pg_backend_pid()",
      );
      ended = result.rowCount ?? 0;
    }
    assert.equal(ended, 1, 'the pass paused between batches');
    // Before, the ended session's error event had no listener and the process exited here.
    await assert.rejects(pass);
    assert.equal(await countRows(pool, "WHERE request_id LIKE 'ended-%'"), 15, 'one batch of 10 went');
    assert.deepEqual(await deleteExpiredRows(pool, 30, { batchRows: 10 }), { ran: true, deleted: 15 }, 'the lock went with the session');
  });

  it('stores multi-byte text intact and text PostgreSQL would refuse (NUL, lone surrogates) cleaned, and drops only a row it refuses', async () => {
    const metrics = new RequestLogMetrics(new Registry());
    // One encoder, as a node's writer has: the refused batch is then written again row by row
    // through the same buffer, each row shorter than the batch before it.
    const encoder = new BatchEncoder();
    const writer = new RequestLogWriter(
      { prepare: async () => undefined, insert: (rows) => insertRows(pool, rows, encoder), logger: createSilentLogger(), metrics },
      { batchSize: 10, flushIntervalMs: 60_000 },
    );
    writer.enqueue(
      rowOf(
        loggable({
          requestId: 'odd-text',
          model: 'm\u0000x',
          content: { input: [{ role: 'user', content: 'half \ud83d pair and nul \u0000', 'na\u0000me': 'a backslash then \\u0000 is text' }] },
        }),
      ),
    );
    writer.enqueue(rowOf(loggable({ requestId: 'too-many-tokens', usage: { prompt_tokens: 5_000_000_000 } })));
    writer.enqueue(rowOf(loggable({ requestId: 'fine' })));
    // Multi-byte UTF-8 (2, 3 and 4 bytes a character): the batch goes to PostgreSQL as bytes.
    const wide = 'ü ✓ 日本語 😀 "quoted" \\ end';
    writer.enqueue(rowOf(loggable({ requestId: 'wide-text', model: 'モデル', content: { input: [{ role: 'user', content: wide }] } })));
    assert.deepEqual(await writer.flush(10_000), { left: 0 });
    const stored = await pool.query(
      "SELECT request_id, model, input_history FROM request_logs WHERE request_id IN ('odd-text', 'too-many-tokens', 'fine', 'wide-text') ORDER BY request_id",
    );
    assert.deepEqual(
      stored.rows.map((row: { request_id: string }) => row.request_id),
      ['fine', 'odd-text', 'wide-text'],
    );
    assert.equal(stored.rows[1].model, 'mx');
    assert.deepEqual(stored.rows[1].input_history, [{ role: 'user', content: 'half \ufffd pair and nul ', name: 'a backslash then \\u0000 is text' }]);
    assert.equal(stored.rows[2].model, 'モデル');
    assert.deepEqual(stored.rows[2].input_history, [{ role: 'user', content: wide }]);
    assert.equal((await metrics.dropped.get()).values.find((value) => value.labels.reason === 'rejected')?.value, 1);
    assert.equal((await metrics.written.get()).values[0]?.value, 3);
  });
});
