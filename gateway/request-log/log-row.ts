import { randomUUID } from 'node:crypto';

/**
 * What the request log needs to know about one finished request: a subset of the node's
 * per-request outcome, so that any outcome shape can be adapted to it in one place.
 */
export interface LoggableRequest {
  requestId: string;
  /** Wall-clock arrival time, ms since the epoch. */
  startedAtMs: number;
  method: string;
  /** The matched route, e.g. /v1/chat/completions. */
  route: string;
  provider: string;
  model: string;
  /** The HTTP status the client got (200 for a stream that later failed: see errorCode). */
  httpStatus: number;
  /** Set when the request failed (a stream failing mid-way included). */
  errorCode?: string;
  errorMessage?: string;
  latencyMs: number;
  /** Streams: arrival to the first chunk sent. */
  firstTokenMs?: number;
  stream: boolean;
  /** The client left before the response ended. */
  cancelled: boolean;
  /** False when the answer was not given in full (undefined: judge by status and error). */
  succeeded?: boolean;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  cost?: number;
  /** Upstream attempts on the provider that answered (1 = no retry). */
  attempts?: number;
  fallbackIndex?: number;
  /** The provider key's name (never its value). */
  keyName?: string;
  virtualKeyId?: string;
  virtualKeyName?: string;
  teamId?: string;
  customerId?: string;
  stopReason?: string;
  content?: { input?: unknown; output?: unknown; params?: unknown; tools?: unknown; toolCalls?: unknown };
}

/** One row of the `request_logs` table; JSON columns are already serialized. */
export interface RequestLogRow {
  id: string;
  request_id: string;
  timestamp: Date;
  node: string;
  method: string;
  route: string;
  provider: string;
  model: string;
  status: 'success' | 'error';
  http_status: number;
  error_type: string | null;
  error_message: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cost: number | null;
  stream: boolean;
  cancelled: boolean;
  number_of_retries: number;
  fallback_index: number;
  selected_key_name: string | null;
  virtual_key_id: string | null;
  virtual_key_name: string | null;
  team_id: string | null;
  customer_id: string | null;
  stop_reason: string | null;
  input_history: string | null;
  output_message: string | null;
  params: string | null;
  tools: string | null;
  tool_calls: string | null;
}

/** The content columns, in the order toRow fills them. */
export const CONTENT_COLUMNS = ['input_history', 'output_message', 'params', 'tools', 'tool_calls'] as const;

/**
 * A content field larger than this is replaced by a marker: one 100 MB prompt must not sit in
 * the queue's memory nor in one database row.
 */
export const MAX_CONTENT_CHARS = 64 * 1024;

/**
 * The longest text kept in a column of names and ids (model, provider, key and team ids...).
 * The model and provider columns are indexed, and a btree entry holds at most 2,704 bytes: one
 * longer value made PostgreSQL refuse the row's whole batch. 512 UTF-16 units are at most 1,536
 * bytes of UTF-8.
 */
export const MAX_NAME_CHARS = 512;

/** Options of toRow. */
export interface ToRowOptions {
  node: string;
  /** False under `client.disable_content_logging`: metadata only. */
  contentLogging: boolean;
  /** Removes secrets (provider keys) from free text such as upstream error messages. */
  redact: (text: string) => string;
}

/** Builds the table row for a finished request. */
export function toRow(request: LoggableRequest, options: ToRowOptions): RequestLogRow {
  const usage = request.usage;
  const failed = request.succeeded === false || request.errorCode !== undefined || request.cancelled || request.httpStatus >= 400;
  const content = options.contentLogging ? request.content : undefined;
  return {
    id: randomUUID(),
    request_id: name(request.requestId),
    timestamp: new Date(request.startedAtMs),
    node: options.node,
    method: request.method,
    route: name(request.route),
    provider: name(request.provider),
    model: name(request.model),
    status: failed ? 'error' : 'success',
    http_status: request.httpStatus,
    error_type: request.errorCode ?? (request.cancelled ? 'client_closed' : null),
    error_message: request.errorMessage === undefined ? null : clean(options.redact(request.errorMessage).slice(0, 2000)),
    latency_ms: round(request.latencyMs),
    ttft_ms: request.firstTokenMs === undefined ? null : round(request.firstTokenMs),
    prompt_tokens: count(usage?.prompt_tokens),
    completion_tokens: count(usage?.completion_tokens),
    total_tokens: count(usage?.total_tokens) ?? sumTokens(usage),
    cost: request.cost ?? null,
    stream: request.stream,
    cancelled: request.cancelled,
    number_of_retries: Math.max(0, (request.attempts ?? 1) - 1),
    fallback_index: request.fallbackIndex ?? 0,
    selected_key_name: nameOrNull(request.keyName),
    virtual_key_id: nameOrNull(request.virtualKeyId),
    virtual_key_name: nameOrNull(request.virtualKeyName),
    team_id: nameOrNull(request.teamId),
    customer_id: nameOrNull(request.customerId),
    stop_reason: nameOrNull(request.stopReason),
    input_history: serialize(content?.input, options.redact),
    output_message: serialize(content?.output, options.redact),
    params: serialize(content?.params, options.redact),
    tools: serialize(content?.tools, options.redact),
    tool_calls: serialize(content?.toolCalls, options.redact),
  };
}

/** Approximate bytes a row holds in memory, for the queue's byte bound: every text it holds counts. */
export function rowSize(row: RequestLogRow): number {
  let size = 400 + (row.error_message?.length ?? 0) + row.request_id.length + row.route.length + row.provider.length + row.model.length;
  size += (row.selected_key_name?.length ?? 0) + (row.virtual_key_id?.length ?? 0) + (row.virtual_key_name?.length ?? 0);
  size += (row.team_id?.length ?? 0) + (row.customer_id?.length ?? 0) + (row.stop_reason?.length ?? 0);
  for (const column of CONTENT_COLUMNS) size += row[column]?.length ?? 0;
  return size;
}

function serialize(value: unknown, redact: (text: string) => string): string | null {
  if (value === undefined || value === null) return null;
  // A body of many megabytes (an image in base64) would be stringified only to be replaced by
  // the marker, holding every request on the node meanwhile (85-257 ms for 15 MB): its length
  // is bounded first by a walk that reads string lengths, not their characters.
  const atLeast = jsonLengthAtLeast(value);
  if (atLeast > MAX_CONTENT_CHARS) return JSON.stringify({ truncated: true, chars: atLeast });
  let text: string | undefined;
  try {
    // No replacer: V8's fast path, twice as fast on a chat body; the escapes jsonb refuses are
    // cleaned in the text after.
    text = JSON.stringify(value);
  } catch {
    return JSON.stringify({ unserializable: true });
  }
  if (typeof text !== 'string') return null;
  if (text.length > MAX_CONTENT_CHARS) return JSON.stringify({ truncated: true, chars: text.length });
  if (text.includes('\\u')) text = text.replace(JSON_ESCAPES, cleanEscape);
  return redact(text);
}

/**
 * The escapes JSON.stringify writes that jsonb refuses: `\u0000` and a lone surrogate (a pair is
 * written as its characters). Matched left to right with `\\` as its own alternative, so an
 * escaped backslash followed by "u0000" is text, not an escape. A valid escaped pair is kept.
 */
const JSON_ESCAPES = /\\(?:\\|u0000|ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}|ud[89a-f][0-9a-f]{2})/g;

function cleanEscape(found: string): string {
  if (found === '\\u0000') return '';
  // The escaped backslash and a valid pair stay as they are.
  return found === '\\\\' || found.length === 12 ? found : '\ufffd';
}

/**
 * Text PostgreSQL accepts: no NUL (refused in text and jsonb) and no lone UTF-16 surrogate
 * (refused in jsonb as an escape). Client-supplied strings can hold both.
 */
function clean(text: string): string {
  return mayBeUnsafe(text) ? text.replace(UNSAFE_CHARACTERS, (found) => (found === '\u0000' ? '' : '\ufffd')) : text;
}

/**
 * Whether a text holds a NUL or any surrogate: a scan with no allocation, so that the ids and
 * names of nearly every row (plain text) skip the replace, which a row ran ten times.
 */
function mayBeUnsafe(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0 || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/** NUL, a high surrogate without its low half, or a low surrogate without its high half. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character to remove.
const UNSAFE_CHARACTERS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A name or id for its column: cleaned, and cut to MAX_NAME_CHARS. */
function name(text: string): string {
  return clean(text.length > MAX_NAME_CHARS ? text.slice(0, MAX_NAME_CHARS) : text);
}

function nameOrNull(text: string | undefined): string | null {
  return text === undefined ? null : name(text);
}

/** Deeper than this the length walk stops counting (request bodies are refused past 100 levels). */
const MAX_WALK_DEPTH = 128;

/**
 * A lower bound of the length of a value's JSON text: each string and key with its quotes,
 * null and booleans as written, a number as one character. Exact when no string needs an
 * escape and no number has more than one digit. Reads only lengths, so a string of megabytes
 * costs what an empty one does.
 */
export function jsonLengthAtLeast(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || value === true) return 4;
  if (value === false) return 5;
  if (typeof value !== 'object' || depth > MAX_WALK_DEPTH) return 1;
  if (Array.isArray(value)) {
    let length = 1 + Math.max(1, value.length);
    for (const item of value) length += jsonLengthAtLeast(item, depth + 1);
    return length;
  }
  let length = 1;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    // JSON leaves these keys out.
    if (item === undefined || typeof item === 'function') continue;
    length += key.length + 4 + jsonLengthAtLeast(item, depth + 1);
  }
  return Math.max(2, length);
}

function count(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

function sumTokens(usage: LoggableRequest['usage']): number | null {
  const prompt = count(usage?.prompt_tokens);
  const completion = count(usage?.completion_tokens);
  return prompt === null && completion === null ? null : (prompt ?? 0) + (completion ?? 0);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
