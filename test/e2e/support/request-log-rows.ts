import assert from 'node:assert/strict';
import type { Cluster } from './cluster.js';
import type { LoadOutcome } from './steady-load.js';
import { waitFor } from './wait-for.js';

/** The request-log database the example compose file runs (see docker-compose.yml). */
const PSQL = ['exec', '-T', 'postgres', 'psql', '-U', 'gateway', '-d', 'gateway_logs', '-tA', '-F', '|', '-c'];

/** The (request_id, node) of every request-log row whose request id starts with `prefix`. */
async function readRows(cluster: Cluster, prefix: string): Promise<{ requestId: string; node: string }[]> {
  assert.match(prefix, /^[\w-]+$/, 'a prefix safe to put in SQL');
  const out = await cluster.compose([...PSQL, `SELECT request_id, node FROM request_logs WHERE request_id LIKE '${prefix}%'`], 60_000);
  return out
    .split('\n')
    .filter((line) => line.includes('|'))
    .map((line) => {
      const [requestId = '', node = ''] = line.split('|');
      return { requestId, node };
    });
}

/**
 * Exactly one request-log row per request the load sent (its marker is its x-request-id), none
 * missing and none doubled, written by more than one node: rows of nodes restarted by the
 * rollout were flushed on their drain. Waits for the last batches (written within about a second).
 */
export async function assertOneRowPerRequest(cluster: Cluster, outcomes: readonly LoadOutcome[], prefix: string): Promise<void> {
  const rows = await waitFor(
    `a request-log row for each of ${outcomes.length} requests`,
    async () => {
      const found = await readRows(cluster, prefix);
      return found.length >= outcomes.length ? found : undefined;
    },
    { timeoutMs: 30_000, describe: async () => `${(await readRows(cluster, prefix)).length} rows; ${await cluster.logs('postgres', 20)}` },
  );
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.requestId, (counts.get(row.requestId) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'no request logged twice');
  const missing = outcomes.filter((o) => counts.get(o.marker) !== 1).map((o) => o.marker);
  assert.deepEqual(missing, [], 'every request logged once');
  const nodes = new Set(rows.map((row) => row.node));
  assert.ok(nodes.size > 1, `rows from several nodes (${[...nodes].join(', ')})`);
  console.log(`      [e2e] request log: ${rows.length} rows for ${outcomes.length} requests, from nodes ${[...nodes].join(', ')}`);
}
