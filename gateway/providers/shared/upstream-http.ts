import type { Dispatcher } from 'undici';
import { joinChunks } from '../../../shared/http/collect-body.js';
import { GatewayError, RETRYABLE_STATUSES } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';
import { requestStreamed, type StreamedResponse, type UpstreamBody } from './streamed-response.js';
import { Agent, undiciErrors } from './undici-modules.js';
import { AttemptDeadlineError } from './cancellable-handler.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import { headerOf, headersOf } from './raw-headers.js';
import { requestWhole, ResponseTooLargeError, type WholeResponse } from './whole-response.js';
import { rememberUpstreamText } from './upstream-text.js';
import { redactText } from '../../security/secret-redaction.js';

/**
 * The node's one HTTP client for upstream calls: a pooled keep-alive agent (undici), with
 * streaming bodies and cancellation. Adapters call `sendUpstream` (a 2xx body read as it
 * arrives) or `sendUpstreamJson` (a parsed 2xx answer, read whole) and get a GatewayError
 * classified for retries for anything else. Both read undici's dispatcher directly, without
 * its request API's Readable streams.
 */

let sharedAgent: Dispatcher = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 120_000,
  connect: { timeout: 10_000 },
});

/** How much an upstream may send before the node gives up on it. */
export interface UpstreamLimits {
  /** A whole non-streamed body (a JSON answer or an error body). */
  maxBodyBytes: number;
  /** One server-sent event of a stream. */
  maxEventBytes: number;
}

/**
 * Defaults: far above any real answer (a large embeddings batch is a few tens of MB), far
 * below what would exhaust a node. A provider that lies would otherwise be buffered whole.
 */
export const DEFAULT_UPSTREAM_LIMITS: Readonly<UpstreamLimits> = { maxBodyBytes: 64 * 1024 * 1024, maxEventBytes: 8 * 1024 * 1024 };

let limits: Readonly<UpstreamLimits> = DEFAULT_UPSTREAM_LIMITS;

/** Sets the node's upstream limits (start-node.ts, from the environment; tests). Returns the old ones. */
export function setUpstreamLimits(next: Readonly<UpstreamLimits>): Readonly<UpstreamLimits> {
  const previous = limits;
  limits = next;
  return previous;
}

/** The upstream limits in force. */
export function upstreamLimits(): Readonly<UpstreamLimits> {
  return limits;
}

/** Replaces the upstream agent (tests use this to count connections). Returns the old one. */
export function setUpstreamAgent(agent: Dispatcher): Dispatcher {
  const previous = sharedAgent;
  sharedAgent = agent;
  return previous;
}

/** An upstream request. `body` is serialised as JSON when it is an object. */
export interface UpstreamRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: unknown;
  /**
   * Set for a streaming call: the media type its answer must have, `text/event-stream`
   * (SSE_CONTENT_TYPE) or Bedrock's `application/vnd.amazon.eventstream`. A 2xx answer of another
   * type (a JSON answer, an error sent with 200, an HTML page) is refused before the attempt
   * resolves, as upstream_bad_response (502, retried), instead of being read as an empty stream;
   * an answer without a Content-Type is read as the stream asked for. The attempt's timeout
   * bounds the wait for the headers and each gap between body chunks, so a long stream that keeps
   * coming is never cut. Unset (an answer read whole), the timeout bounds the whole attempt,
   * headers and body together: a provider sending a byte now and then must still finish in time.
   */
  streamContentType?: string;
}

/** A 2xx upstream response whose body has not been read yet. */
export interface UpstreamResponse {
  status: number;
  /** Header names in lower case; a repeated header's values in an array. */
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/**
 * Extracts a message, type and code from a provider's error body. Providers differ; the
 * common shapes are `{error:{message,type,code}}`, `{error:"..."}`, `{message:"..."}`.
 */
export type ErrorBodyReader = (body: unknown) => { message?: string; type?: string; code?: string | null };

/** Reads the usual error body shapes (OpenAI, Anthropic, Gemini, Cohere). */
export const readCommonErrorBody: ErrorBodyReader = (body) => {
  if (typeof body === 'string') return { message: body.slice(0, 500) };
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const inner = record.error;
  if (typeof inner === 'string') return { message: inner };
  if (typeof inner === 'object' && inner !== null) {
    const e = inner as Record<string, unknown>;
    return {
      message: typeof e.message === 'string' ? e.message : undefined,
      type: typeof e.type === 'string' ? e.type : typeof e.status === 'string' ? e.status : undefined,
      code: typeof e.code === 'string' ? e.code : typeof e.code === 'number' ? String(e.code) : null,
    };
  }
  if (typeof record.message === 'string') return { message: record.message, type: typeof record.type === 'string' ? record.type : undefined };
  return {};
};

/** Sends one upstream request; resolves on 2xx, throws a classified GatewayError otherwise. */
export async function sendUpstream(
  call: UpstreamRequest,
  target: UpstreamTarget,
  readErrorBody: ErrorBodyReader = readCommonErrorBody,
): Promise<UpstreamResponse> {
  let response: StreamedResponse;
  try {
    response = await requestStreamed(sharedAgent, dispatchOptionsOf(call, target), call.streamContentType === undefined ? target.timeoutMs : undefined);
  } catch (cause) {
    throw classifyNetworkError(cause, target);
  }
  const { statusCode, rawHeaders, body } = response;
  if (statusCode >= 200 && statusCode < 300) {
    const headers = headersOf(rawHeaders);
    const expected = call.streamContentType;
    const contentType = firstOf(headers['content-type']);
    if (expected !== undefined && contentType !== undefined && !hasMediaType(contentType, expected)) {
      throw await notTheStreamAsked(body, contentType, expected, target, readErrorBody);
    }
    return { status: statusCode, headers, body };
  }
  if (statusCode >= 300 && statusCode < 400) {
    // Read and discard (bounded) so the connection can be reused.
    await discardBody(body, 64 * 1024);
    throw redirectError(statusCode, target);
  }
  const text = await readUpstreamText(body, target);
  throw upstreamStatusError(statusCode, text, retryAfterOf({ 'retry-after': headerOf(rawHeaders, 'retry-after') }), target, readErrorBody);
}

/** The first value of a header that may have been repeated. */
function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a Content-Type names `expected` (lower case), with or without parameters such as `; charset=utf-8`. */
export function hasMediaType(contentType: string, expected: string): boolean {
  // The usual spelling, checked without making a string.
  if (contentType.startsWith(expected) && (contentType.length === expected.length || contentType.charCodeAt(expected.length) === 0x3b) /* ; */) {
    return true;
  }
  return mediaTypeOf(contentType) === expected;
}

function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** How much of a 2xx answer that is not the stream asked for is read for its error message. */
const NOT_A_STREAM_READ_BYTES = 64 * 1024;

/**
 * The error for a streaming call answered 2xx with something other than the stream it asked
 * for. Its body is read (a little of it) for the provider's message when it is a JSON error
 * (some providers send `{"error":...}` with 200); retryable, so that another key or a
 * fallback gets the request rather than the client an empty stream.
 */
async function notTheStreamAsked(
  body: UpstreamBody,
  contentType: string,
  expected: string,
  target: UpstreamTarget,
  readErrorBody: ErrorBodyReader,
): Promise<GatewayError> {
  const provider = target.provider.name;
  const text = await readSmallBody(body, NOT_A_STREAM_READ_BYTES);
  let message: string | undefined;
  try {
    message = text === undefined ? undefined : readErrorBody(JSON.parse(text)).message;
  } catch {
    // Not JSON (an HTML page, say): the content type alone says what went wrong.
  }
  const shown = mediaTypeOf(contentType).slice(0, 100);
  return new GatewayError(
    'upstream_bad_response',
    redactText(`${provider} answered a stream request with ${shown}, not ${expected}${message ? `: ${message}` : ''}`),
    {
      provider,
      model: target.model,
      retryable: true,
    },
  );
}

/** A body's text when all of it fits in `limitBytes` and arrived; undefined otherwise. The transfer ends either way. */
async function readSmallBody(body: UpstreamBody, limitBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limitBytes) return undefined;
      chunks.push(chunk);
    }
    return joinChunks(chunks, size).toString('utf8');
  } catch {
    // The answer is refused already; how its body ends does not change that.
    return undefined;
  } finally {
    body.destroy();
  }
}

/** Reads a body to its end and drops it, up to `limitBytes`; past that, or on a failure, stops the transfer. */
async function discardBody(body: UpstreamBody, limitBytes: number): Promise<void> {
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limitBytes) break;
    }
  } catch {
    // The answer is an error already; how its body ends does not change it.
  } finally {
    body.destroy();
  }
}

/** Sends a request and parses the 2xx JSON body; other statuses throw as `sendUpstream` does. */
export async function sendUpstreamJson<T>(call: UpstreamRequest, target: UpstreamTarget, readErrorBody: ErrorBodyReader = readCommonErrorBody): Promise<T> {
  let response: WholeResponse;
  try {
    response = await requestWhole(sharedAgent, dispatchOptionsOf(call, target), limits.maxBodyBytes, target.timeoutMs);
  } catch (cause) {
    if (!(cause instanceof ResponseTooLargeError)) throw classifyNetworkError(cause, target);
    if (cause.statusCode >= 300 && cause.statusCode < 400) throw redirectError(cause.statusCode, target);
    throw responseTooLarge(target);
  }
  const { statusCode } = response;
  if (statusCode >= 300 && statusCode < 400) throw redirectError(statusCode, target);
  const text = response.body.toString('utf8');
  if (statusCode < 200 || statusCode >= 300) {
    throw upstreamStatusError(statusCode, text, retryAfterOf({ 'retry-after': headerOf(response.rawHeaders, 'retry-after') }), target, readErrorBody);
  }
  let parsed: T;
  try {
    parsed = JSON.parse(text) as T;
  } catch (cause) {
    throw new GatewayError('upstream_bad_response', `${target.provider.name} returned a response that is not JSON`, {
      provider: target.provider.name,
      model: target.model,
      cause,
    });
  }
  // Every protocol's answer is a JSON object; `null`, an array or a scalar would fail wherever
  // the node reads it (a 500 blamed on the node), so it is the provider's bad answer here.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('upstream_bad_response', `${target.provider.name} returned JSON that is not an object`, {
      provider: target.provider.name,
      model: target.model,
    });
  }
  rememberUpstreamText(parsed, text);
  return parsed;
}

/** undici's options for one upstream call: its body serialised, its headers built. */
function dispatchOptionsOf(call: UpstreamRequest, target: UpstreamTarget): Dispatcher.RequestOptions & { signal: UpstreamTarget['signal'] } {
  const payload = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const { origin, path } = splitUrl(call.url);
  // A stream is bounded by undici's own headers and body (between chunks) timeouts; an answer
  // read whole by the attempt's deadline (one timer in the handler), which covers both, so
  // undici's are off. Either way the request's cancellation (client gone, drain deadline) is
  // the only signal: no timeout signal per attempt.
  const undiciTimeoutMs = call.streamContentType === undefined ? 0 : target.timeoutMs;
  return {
    origin,
    path,
    method: call.method ?? 'POST',
    headers: buildUpstreamHeaders(payload !== undefined, call.headers, target.extraHeaders, target.clientHeaders),
    body: payload,
    signal: target.signal,
    headersTimeout: undiciTimeoutMs,
    bodyTimeout: undiciTimeoutMs,
  };
}

function redirectError(statusCode: number, target: UpstreamTarget): GatewayError {
  return new GatewayError(
    'upstream_bad_response',
    `${target.provider.name} answered HTTP ${statusCode}, a redirect, which the node does not follow: check network_config.base_url`,
    { provider: target.provider.name, model: target.model },
  );
}

/** The error for a provider's 4xx or 5xx answer, with its message (redacted), type and code. */
function upstreamStatusError(
  status: number,
  text: string,
  retryAfter: { retryAfterMs?: number },
  target: UpstreamTarget,
  readErrorBody: ErrorBodyReader,
): GatewayError {
  const provider = target.provider.name;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  const details = readErrorBody(parsed);
  return new GatewayError('upstream_error', redactText(details.message ?? `${provider} answered HTTP ${status}`), {
    status,
    type: details.type ?? 'upstream_error',
    upstreamCode: details.code ?? null,
    provider,
    model: target.model,
    fromProvider: true,
    retryable: RETRYABLE_STATUSES.has(status),
    ...retryAfter,
  });
}

/** A provider's `Retry-After` (seconds, or an HTTP date) in ms, when it sent a usable one. */
export function retryAfterOf(headers: Record<string, string | string[] | undefined>): { retryAfterMs?: number } {
  const value = headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return {};
  const seconds = Number(text);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(text) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? { retryAfterMs: Math.round(ms) } : {};
}

/** Origins already checked, by the URL text before the path: few, since they come from the config. */
const checkedOrigins = new Map<string, string>();

/**
 * Splits an absolute URL into undici's origin and path. The origin is parsed (and normalised)
 * once per distinct origin; a WHATWG parse of the whole URL on every call is measurable at
 * hundreds of requests per second. Paths are built by the adapters and already encoded.
 */
export function splitUrl(url: string): { origin: string; path: string } {
  const authorityStart = url.indexOf('://') + 3;
  const pathStart = authorityStart < 3 ? -1 : url.slice(authorityStart).search(/[/?#]/);
  const originText = pathStart === -1 ? url : url.slice(0, authorityStart + pathStart);
  let origin = checkedOrigins.get(originText);
  if (origin === undefined) {
    origin = new URL(originText).origin;
    if (checkedOrigins.size < 256) checkedOrigins.set(originText, origin);
  }
  const rest = pathStart === -1 ? '' : url.slice(authorityStart + pathStart);
  const path = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  return { origin, path };
}

/**
 * Reads a whole upstream body as text, refusing one larger than the node's limit (502): the
 * transfer is stopped there, so a lying provider costs the node at most the limit in memory.
 */
export async function readUpstreamText(body: UpstreamBody, target: UpstreamTarget): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limits.maxBodyBytes) throw responseTooLarge(target);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw classifyNetworkError(error, target);
  } finally {
    // Stops the transfer when the limit or a failure ended the read early.
    body.destroy();
  }
  return joinChunks(chunks, size).toString('utf8');
}

/** The error for an upstream that sent more than the node accepts. */
export function tooLarge(target: UpstreamTarget, what: string): GatewayError {
  return new GatewayError('upstream_bad_response', `${target.provider.name} sent ${what}, more than this node accepts`, {
    provider: target.provider.name,
    model: target.model,
  });
}

/** The error for a whole (non-streamed) answer past the node's body limit. */
function responseTooLarge(target: UpstreamTarget): GatewayError {
  return tooLarge(target, `a response larger than ${formatBytes(limits.maxBodyBytes)}`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** Turns a transport failure into a GatewayError: client gone, timeout, or unreachable. */
export function classifyNetworkError(cause: unknown, target: UpstreamTarget): GatewayError {
  const provider = target.provider.name;
  const model = target.model;
  if (target.signal.aborted) {
    return new GatewayError('client_closed', 'the client closed the request', { provider, model, cause });
  }
  const name = (cause as Error | undefined)?.name;
  const code = (cause as { code?: string } | undefined)?.code;
  const timedOut =
    cause instanceof AttemptDeadlineError ||
    cause instanceof undiciErrors.HeadersTimeoutError ||
    cause instanceof undiciErrors.BodyTimeoutError ||
    name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT';
  if (timedOut) {
    // Past the whole attempt's deadline the provider may have been answering, just too slowly.
    const what = cause instanceof AttemptDeadlineError ? 'did not answer in full' : 'did not answer';
    return new GatewayError('upstream_timeout', `${provider} ${what} within ${target.timeoutMs / 1000} s`, {
      provider,
      model,
      retryable: true,
      cause,
    });
  }
  return new GatewayError('upstream_unreachable', `could not reach ${provider}: ${code ?? name ?? 'connection failed'}`, {
    provider,
    model,
    retryable: true,
    cause,
  });
}
