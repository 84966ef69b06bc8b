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
  const tuples: string[] = [];
  for (const row of rows) {
    const slots: string[] = [];
    for (const column of ROW_COLUMNS) {
      values.push(row[column]);
      slots.push(JSON_COLUMNS.has(column) ? `$${values.length}::jsonb` : `$${values.length}`);
    }
    tuples.push(`(${slots.join(', ')})`);
  }
  await client.query(`INSERT INTO request_logs (${COLUMN_LIST}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
}
