import type pg from 'pg';
import type { RequestLogRow } from './log-row.js';

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

const JSON_COLUMNS = new Set<string>(['input_history', 'output_message', 'params', 'tools', 'tool_calls']);
const COLUMN_LIST = ROW_COLUMNS.map((column) => `"${column}"`).join(', ');

/** The VALUES tuple of the row at `index` in a batch, built once per index: the same for every batch. */
const tuples: string[] = [];

function tupleAt(index: number): string {
  let tuple = tuples[index];
  if (tuple === undefined) {
    const slots = ROW_COLUMNS.map((column, i) => {
      const slot = `$${index * ROW_COLUMNS.length + i + 1}`;
      // The time travels as epoch milliseconds: pg's Date to text conversion was a visible
      // part of a logged request's CPU (bench/profile-notes.md).
      if (column === 'timestamp') return `to_timestamp(${slot}::float8 / 1000)`;
      return JSON_COLUMNS.has(column) ? `${slot}::jsonb` : slot;
    });
    tuple = `(${slots.join(', ')})`;
    tuples[index] = tuple;
  }
  return tuple;
}

/**
 * PostgreSQL allows 65,535 bind parameters per statement; 33 columns x 1,000 rows stays under it.
 */
export const MAX_ROWS_PER_INSERT = 1000;

/**
 * Writes rows with one multi-row INSERT. `ON CONFLICT (id) DO NOTHING`: a batch re-sent after a
 * connection broke mid-commit (did it land or not?) never doubles a row.
 */
export async function insertRows(client: pg.Pool | pg.PoolClient, rows: readonly RequestLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length > MAX_ROWS_PER_INSERT) throw new RangeError(`insertRows takes at most ${MAX_ROWS_PER_INSERT} rows`);
  const values: unknown[] = [];
  const rowTuples: string[] = [];
  rows.forEach((row, index) => {
    for (const column of ROW_COLUMNS) values.push(column === 'timestamp' ? row.timestamp.getTime() : row[column]);
    rowTuples.push(tupleAt(index));
  });
  await client.query(`INSERT INTO request_logs (${COLUMN_LIST}) VALUES ${rowTuples.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
}
