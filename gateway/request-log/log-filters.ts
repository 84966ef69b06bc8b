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
  assign(filters, 'minTokens', readNumber(query, 'min_tokens'));
  assign(filters, 'maxTokens', readNumber(query, 'max_tokens'));
  assign(filters, 'minCost', readNumber(query, 'min_cost'));
  assign(filters, 'maxCost', readNumber(query, 'max_cost'));
  assign(filters, 'contentSearch', readText(query, 'content_search'));
  assign(filters, 'requestId', readText(query, 'request_id'));

  const limit = readNumber(query, 'limit') ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new LogQueryError('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const offset = readNumber(query, 'offset') ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new LogQueryError('offset', 'offset must be a non-negative integer');
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

function readTime(query: Query, name: string): Date | undefined {
  const text = readText(query, name);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new LogQueryError(name, `${name} must be an RFC 3339 time such as 2026-01-31T12:00:00Z`);
  return new Date(ms);
}
