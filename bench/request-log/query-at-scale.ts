/**
 * A phase of `npm run bench`, and alone `npm run bench:logs [rows...]` (default 1000000 5000000): fills a throw-away PostgreSQL
 * (test/support/postgres-server.ts) with synthetic request-log rows spread over 30 days, then
 * times the API's common searches (rows + total count + stats, as GET /api/logs runs them):
 * a Markdown table per size, the median of 5 runs after one warm-up.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { parseLogQuery } from '../../gateway/request-log/log-filters.js';
import { searchLogs } from '../../gateway/request-log/log-query.js';
import { migrateSchema } from '../../gateway/request-log/migrations.js';
import { startPostgres } from '../../test/support/postgres-server.js';

const SEARCHES: Record<string, Record<string, string>> = {
  'newest 50, no filter': {},
  'last hour': { start_time: 'PT1H' },
  'provider, last 24 h': { providers: 'anthropic', start_time: 'PT24H' },
  'model, last 24 h': { models: 'model-7', start_time: 'PT24H' },
  'errors, last 24 h': { status: 'error', start_time: 'PT24H' },
  'virtual key, last 7 days': { virtual_key_ids: 'vk-4', start_time: 'PT168H' },
  'content search, last hour': { content_search: 'hello 12', start_time: 'PT1H' },
  'slowest 50, last 24 h': { sort_by: 'latency', start_time: 'PT24H' },
};

const FILL_BATCH = 250_000;

async function fill(pool: pg.Pool, rows: number, from: number): Promise<void> {
  for (let start = from; start < rows; start += FILL_BATCH) {
    const end = Math.min(rows, start + FILL_BATCH);
    await pool.query(
      `INSERT INTO request_logs (id, request_id, "timestamp", node, method, route, provider, model, status, http_status, error_type,
         latency_ms, prompt_tokens, completion_tokens, total_tokens, cost, stream, cancelled, number_of_retries, fallback_index,
         selected_key_name, virtual_key_id, input_history, output_message)
       SELECT gen_random_uuid(), 'req-' || g, now() - random() * interval '30 days', 'node-' || (g % 3), 'POST', '/v1/chat/completions',
         (ARRAY['openai','anthropic','gemini','groq','mistral'])[1 + g % 5], 'model-' || (g % 20),
         CASE WHEN g % 20 = 0 THEN 'error' ELSE 'success' END, CASE WHEN g % 20 = 0 THEN 502 ELSE 200 END,
         CASE WHEN g % 20 = 0 THEN 'upstream_error' END,
         50 + random() * 2000, 20 + g % 500, 10 + g % 300, 30 + g % 800, (g % 800) * 0.000002, g % 2 = 0, false, 0, 0,
         'key-' || (g % 4), CASE WHEN g % 2 = 0 THEN 'vk-' || (g % 40) END,
         jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'hello ' || g)),
         jsonb_build_object('role', 'assistant', 'content', 'answer ' || g)
       FROM generate_series($1::int, $2::int - 1) AS g`,
      [start, end],
    );
  }
  await pool.query('VACUUM ANALYZE request_logs');
}

/** "PT1H"-style relative start times become absolute RFC 3339 times now. */
function resolveQuery(query: Record<string, string>): Record<string, string> {
  const out = { ...query };
  const relative = /^PT(\d+)H$/.exec(query.start_time ?? '');
  if (relative) out.start_time = new Date(Date.now() - Number(relative[1]) * 3_600_000).toISOString();
  return out;
}

async function timeSearch(pool: pg.Pool, query: Record<string, string>): Promise<{ medianMs: number; total: number }> {
  const samples: number[] = [];
  let total = 0;
  for (let run = 0; run < 6; run++) {
    const { filters, page } = parseLogQuery(resolveQuery(query));
    const started = performance.now();
    const result = await searchLogs(pool, filters, page);
    if (run > 0) samples.push(performance.now() - started);
    total = result.pagination.total_count;
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)] as number, total };
}

/** Fills the log to each size in turn (cumulatively) and times the searches at each; returns Markdown. */
export async function measureLogQueries(sizes: number[] = [1_000_000, 5_000_000]): Promise<string> {
  const server = await startPostgres();
  const pool = new pg.Pool({ connectionString: server.url(await server.createDatabase('bench_logs')), max: 4 });
  pool.on('error', () => undefined);
  const out: string[] = [
    'Synthetic rows (5 providers, 20 models, 40 virtual keys, 5% errors, content in every row) spread over 30 days in one PostgreSQL 15 (`fsync=off`), then `VACUUM ANALYZE`; each search is what `GET /api/logs` runs (the page of 50, the total count and the summary stats), median of 5 after one warm-up.',
  ];
  try {
    await migrateSchema(pool, 'bench');
    let filled = 0;
    for (const rows of sizes) {
      const started = performance.now();
      await fill(pool, rows, filled);
      filled = rows;
      out.push(
        '',
        `**${rows.toLocaleString('en')} rows** (filled in ${((performance.now() - started) / 1000).toFixed(0)} s)`,
        '',
        '| search | matches | median ms |',
        '|---|---|---|',
      );
      for (const [name, query] of Object.entries(SEARCHES)) {
        const { medianMs, total } = await timeSearch(pool, query);
        out.push(`| ${name} | ${total.toLocaleString('en')} | ${medianMs.toFixed(1)} |`);
      }
    }
    return out.join('\n');
  } finally {
    await pool.end();
    await server.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  measureLogQueries(sizes.length > 0 ? sizes : undefined).then(
    (markdown) => process.stdout.write(`${markdown}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
