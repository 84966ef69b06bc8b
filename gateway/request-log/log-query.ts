import type pg from 'pg';
import type { LogFilters, LogPage, SortField } from './log-filters.js';
import { toLogEntry, type LogEntry } from './log-entry.js';

/** The answer of GET /api/logs (Bifrost's shape). */
export interface LogSearchResult {
  logs: LogEntry[];
  pagination: { limit: number; offset: number; sort_by: SortField; order: 'asc' | 'desc'; total_count: number };
  stats: { total_requests: number; success_rate: number; average_latency: number; total_tokens: number; total_cost: number };
}

const SORT_COLUMNS: Record<SortField, string> = { timestamp: '"timestamp"', latency: 'latency_ms', tokens: 'total_tokens', cost: 'cost' };

/** Builds the WHERE clause of a search; values are always bind parameters. */
export function buildWhere(filters: LogFilters): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const terms: string[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const anyOf = (column: string, values: string[] | undefined): void => {
    if (values) terms.push(`${column} = ANY(${bind(values)}::text[])`);
  };
  const range = (column: string, min: unknown, max: unknown): void => {
    if (min !== undefined) terms.push(`${column} >= ${bind(min)}`);
    if (max !== undefined) terms.push(`${column} <= ${bind(max)}`);
  };
  anyOf('provider', filters.providers);
  anyOf('model', filters.models);
  anyOf('status', filters.status);
  anyOf('virtual_key_id', filters.virtualKeyIds);
  anyOf('team_id', filters.teamIds);
  range('"timestamp"', filters.startTime, filters.endTime);
  range('latency_ms', filters.minLatency, filters.maxLatency);
  range('total_tokens', filters.minTokens, filters.maxTokens);
  range('cost', filters.minCost, filters.maxCost);
  if (filters.requestId) terms.push(`request_id = ${bind(filters.requestId)}`);
  if (filters.contentSearch) {
    // A substring search over the JSON text: a sequential scan within the other filters
    // (narrow it with a time range on big tables).
    const pattern = bind(`%${filters.contentSearch.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    terms.push(`(input_history::text ILIKE ${pattern} OR output_message::text ILIKE ${pattern})`);
  }
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
}

/** Runs a search: one page of rows, the total count and the summary stats over all matches. */
export async function searchLogs(pool: pg.Pool, filters: LogFilters, page: LogPage): Promise<LogSearchResult> {
  const where = buildWhere(filters);
  const column = SORT_COLUMNS[page.sortBy];
  const direction = page.order === 'asc' ? 'ASC' : 'DESC';
  const n = where.params.length;
  // Tokens and cost may be null: those rows go last. Timestamp and latency never are, and a
  // NULLS clause there would keep PostgreSQL from reading the time index in order.
  const nulls = page.sortBy === 'tokens' || page.sortBy === 'cost' ? ' NULLS LAST' : '';
  const rowsQuery = pool.query(
    `SELECT * FROM request_logs ${where.sql} ORDER BY ${column} ${direction}${nulls}, id ${direction} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...where.params, page.limit, page.offset],
  );
  const statsQuery = pool.query<{ total: number; succeeded: number; avg_latency: number | null; tokens: number; cost: number }>(
    // Cast to double: pg returns bigint and numeric as strings; the log's figures fit a double.
    `SELECT count(*)::float8 AS total, (count(*) FILTER (WHERE status = 'success'))::float8 AS succeeded, avg(latency_ms) AS avg_latency,
            coalesce(sum(total_tokens), 0)::float8 AS tokens, coalesce(sum(cost), 0)::float8 AS cost
       FROM request_logs ${where.sql}`,
    where.params,
  );
  const [rows, stats] = await Promise.all([rowsQuery, statsQuery]);
  const summary = stats.rows[0] ?? { total: 0, succeeded: 0, avg_latency: null, tokens: 0, cost: 0 };
  return {
    logs: rows.rows.map(toLogEntry),
    pagination: { limit: page.limit, offset: page.offset, sort_by: page.sortBy, order: page.order, total_count: summary.total },
    stats: {
      total_requests: summary.total,
      // Percent, as Bifrost's dashboard shows it.
      success_rate: summary.total === 0 ? 0 : round((summary.succeeded / summary.total) * 100),
      average_latency: round(summary.avg_latency ?? 0),
      total_tokens: summary.tokens,
      total_cost: summary.cost,
    },
  };
}

/** One row by its id, or undefined (also for a malformed id). */
export async function findLog(pool: pg.Pool, id: string): Promise<LogEntry | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const result = await pool.query('SELECT * FROM request_logs WHERE id = $1', [id]);
  const row = result.rows[0] as Record<string, unknown> | undefined;
  return row ? toLogEntry(row) : undefined;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
