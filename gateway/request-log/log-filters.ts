/** The filters of GET /api/logs (Bifrost's names), parsed. */
export interface LogFilters {
  providers?: string[];
  models?: string[];
  status?: string[];
  virtualKeyIds?: string[];
  teamIds?: string[];
  startTime?: Date;
  endTime?: Date;
  minLatency?: number;
  maxLatency?: number;
  minTokens?: number;
  maxTokens?: number;
  minCost?: number;
  maxCost?: number;
  contentSearch?: string;
  requestId?: string;
}

/** What to sort by, as Bifrost names it. */
export const SORT_FIELDS = ['timestamp', 'latency', 'tokens', 'cost'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

/** Paging and order of GET /api/logs. */
export interface LogPage {
  limit: number;
  offset: number;
  sortBy: SortField;
  order: 'asc' | 'desc';
}

/** The largest token count a filter can name: the token columns are PostgreSQL integers. */
const MAX_TOKENS_FILTER = 2_147_483_647;

/** Default and largest page (Bifrost: 50 and 1,000). */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/** A query parameter that cannot be understood; answered 400 naming the parameter. */
export class LogQueryError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'LogQueryError';
  }
}

type Query = Record<string, string | string[] | undefined>;

/** Parses GET /api/logs's query string; throws LogQueryError for a bad value. */
export function parseLogQuery(query: Query): { filters: LogFilters; page: LogPage } {
  const filters: LogFilters = {};
  assign(filters, 'providers', readList(query, 'providers'));
  assign(filters, 'models', readList(query, 'models'));
  assign(filters, 'status', readList(query, 'status'));
  assign(filters, 'virtualKeyIds', readList(query, 'virtual_key_ids'));
  assign(filters, 'teamIds', readList(query, 'team_ids'));
  assign(filters, 'startTime', readTime(query, 'start_time'));
  assign(filters, 'endTime', readTime(query, 'end_time'));
  assign(filters, 'minLatency', readNumber(query, 'min_latency'));
  assign(filters, 'maxLatency', readNumber(query, 'max_latency'));
  assign(filters, 'minTokens', readCount(query, 'min_tokens', MAX_TOKENS_FILTER));
  assign(filters, 'maxTokens', readCount(query, 'max_tokens', MAX_TOKENS_FILTER));
  assign(filters, 'minCost', readNumber(query, 'min_cost'));
  assign(filters, 'maxCost', readNumber(query, 'max_cost'));
  assign(filters, 'contentSearch', readText(query, 'content_search'));
  assign(filters, 'requestId', readText(query, 'request_id'));

  const limit = readNumber(query, 'limit') ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new LogQueryError('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const offset = readCount(query, 'offset', Number.MAX_SAFE_INTEGER) ?? 0;
  const sortBy = readText(query, 'sort_by') ?? 'timestamp';
  if (!(SORT_FIELDS as readonly string[]).includes(sortBy)) throw new LogQueryError('sort_by', `sort_by must be one of ${SORT_FIELDS.join(', ')}`);
  const order = readText(query, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new LogQueryError('order', 'order must be asc or desc');
  return { filters, page: { limit, offset, sortBy: sortBy as SortField, order } };
}

function assign<K extends keyof LogFilters>(filters: LogFilters, key: K, value: LogFilters[K] | undefined): void {
  if (value !== undefined) filters[key] = value;
}

function readText(query: Query, name: string): string | undefined {
  const value = query[name];
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  return text === undefined || text === '' ? undefined : text;
}

/** Comma-separated and/or repeated (`providers=a,b` or `providers=a&providers=b`). */
function readList(query: Query, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((part) => part.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

function readNumber(query: Query, name: string): number | undefined {
  const text = readText(query, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new LogQueryError(name, `${name} must be a number`);
  return value;
}

/**
 * A whole number from 0 to `max`: token counts are integer columns and the offset a bigint, and
 * a value PostgreSQL cannot take as one (1.5, 3e9 tokens, 1e21) is the client's mistake, not an
 * unavailable store.
 */
function readCount(query: Query, name: string, max: number): number | undefined {
  const value = readNumber(query, name);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new LogQueryError(name, `${name} must be a whole number from 0 to ${max}`);
  return value;
}

function readTime(query: Query, name: string): Date | undefined {
  const text = readText(query, name);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new LogQueryError(name, `${name} must be an RFC 3339 time such as 2026-01-31T12:00:00Z`);
  return new Date(ms);
}
