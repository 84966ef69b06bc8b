import type pg from 'pg';
import { BatchEncoder } from './batch-encoder.js';
import { CONTENT_COLUMNS, type RequestLogRow } from './log-row.js';

/** The columns written, in the order of the VALUES tuples. */
export const ROW_COLUMNS = [
  'id',
  'request_id',
  'timestamp',
  'node',
  'method',
  'route',
  'provider',
  'model',
  'status',
  'http_status',
  'error_type',
  'error_message',
  'latency_ms',
  'ttft_ms',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost',
  'stream',
  'cancelled',
  'number_of_retries',
  'fallback_index',
  'selected_key_name',
  'virtual_key_id',
  'virtual_key_name',
  'team_id',
  'customer_id',
  'stop_reason',
  'input_history',
  'output_message',
  'params',
  'tools',
  'tool_calls',
] as const satisfies readonly (keyof RequestLogRow)[];

/** The columns stored as jsonb: the content columns, serialised by toRow. */
const JSON_COLUMNS = new Set<string>(CONTENT_COLUMNS);

/** Each column's type as json_to_recordset reads it; JSON columns travel as text and are cast. */
const RECORD_TYPES: Partial<Record<(typeof ROW_COLUMNS)[number], string>> = {
  id: 'uuid',
  timestamp: 'timestamptz',
  http_status: 'integer',
  latency_ms: 'float8',
  ttft_ms: 'float8',
  prompt_tokens: 'integer',
  completion_tokens: 'integer',
  total_tokens: 'integer',
  cost: 'float8',
  stream: 'boolean',
  cancelled: 'boolean',
  number_of_retries: 'integer',
  fallback_index: 'integer',
};

/**
 * One statement for every batch: the rows arrive as one JSON array. Its text never changes, so it
 * is prepared once per connection (a named statement). The multi-row VALUES it replaced had 33
 * parameters a row and a new text for every batch size, which PostgreSQL parsed and planned on
 * every batch: about 47 µs of the server's CPU a row against 29 now, on the box that also runs
 * the node (bench/profile-notes.md). The content columns are JSON strings of their JSON text,
 * never spliced in raw, so no content can change the array's shape.
 */
const INSERT_STATEMENT = {
  name: 'request_logs_insert_v1',
  text:
    `INSERT INTO request_logs (${ROW_COLUMNS.map((column) => `"${column}"`).join(', ')}) ` +
    `SELECT ${ROW_COLUMNS.map((column) => (JSON_COLUMNS.has(column) ? `r."${column}"::jsonb` : `r."${column}"`)).join(', ')} ` +
    `FROM json_to_recordset($1::json) AS r(${ROW_COLUMNS.map((column) => `"${column}" ${RECORD_TYPES[column] ?? 'text'}`).join(', ')}) ` +
    'ON CONFLICT (id) DO NOTHING',
};

/**
 * Writes rows with one INSERT. `ON CONFLICT (id) DO NOTHING`: a batch re-sent after a connection
 * broke mid-commit (did it land or not?) never doubles a row. The rows serialise as they are: a
 * RequestLogRow's keys are the columns, its Date becomes ISO 8601 (to the millisecond, as
 * timestamptz reads it), and a number that is not finite becomes null. A writer passes its own
 * encoder, so that its batches reuse one buffer (see BatchEncoder).
 */
export async function insertRows(client: pg.Pool | pg.PoolClient, rows: readonly RequestLogRow[], encoder = new BatchEncoder()): Promise<void> {
  if (rows.length === 0) return;
  const batch = encoder.encode(rows);
  try {
    await client.query({ ...INSERT_STATEMENT, values: [batch] });
  } finally {
    encoder.release(batch);
  }
}
