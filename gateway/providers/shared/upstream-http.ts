import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { CollectBodyError, collectBody } from '../../../shared/http/collect-body.js';
import { GatewayError, RETRYABLE_STATUSES } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';
import { Agent, requestOn, undiciErrors } from './undici-modules.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import { headerOf, requestWhole, ResponseTooLargeError, type WholeResponse } from './whole-response.js';
import { rememberUpstreamText } from './upstream-text.js';
import { redactText } from '../../security/secret-redaction.js';

/**
 * The node's one HTTP client for upstream calls: a pooled keep-alive agent (undici), with
 * streaming bodies and abort signals. Adapters call `sendUpstream` (a streamed 2xx body) or
 * `sendUpstreamJson` (a parsed 2xx answer, read whole without a stream) and get a GatewayError
 * classified for retries for anything else.
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

/** Sets the node's upstream limits (main.ts, from the environment; tests). Returns the old ones. */
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
   * True for streaming calls. Both kinds are bounded the same way (the attempt's timeout for the
   * headers and between body chunks); the flag documents intent at call sites.
   */
  streaming?: boolean;
}

/** A 2xx upstream response whose body has not been read yet. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
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
  let response: Dispatcher.ResponseData;
  try {
    response = await requestOn(sharedAgent, dispatchOptionsOf(call, target));
  } catch (cause) {
    throw classifyNetworkError(cause, target);
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }
  if (response.statusCode >= 300 && response.statusCode < 400) {
    // Read and discard (bounded) so the connection can be reused; destroying the body here
    // would surface as an abort error on the request.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    throw redirectError(response.statusCode, target);
  }
  const text = await readUpstreamText(response.body, target);
  throw upstreamStatusError(response.statusCode, text, retryAfterOf(response.headers), target, readErrorBody);
}

/** Sends a request and parses the 2xx JSON body; other statuses throw as `sendUpstream` does. */
export async function sendUpstreamJson<T>(call: UpstreamRequest, target: UpstreamTarget, readErrorBody: ErrorBodyReader = readCommonErrorBody): Promise<T> {
  let response: WholeResponse;
  try {
    response = await requestWhole(sharedAgent, dispatchOptionsOf(call, target), limits.maxBodyBytes);
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
  rememberUpstreamText(parsed, text);
  return parsed;
}

/** undici's options for one upstream call: its body serialised, its headers built. */
function dispatchOptionsOf(call: UpstreamRequest, target: UpstreamTarget): Dispatcher.RequestOptions & { signal: UpstreamTarget['signal'] } {
  const payload = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const { origin, path } = splitUrl(call.url);
  return {
    origin,
    path,
    method: call.method ?? 'POST',
    headers: buildUpstreamHeaders(payload !== undefined, call.headers, target.extraHeaders, target.clientHeaders),
    body: payload,
    // undici's own headers and body timeouts bound the attempt, so the request's cancellation
    // (client gone, drain deadline) is the only signal: no timeout signal per attempt.
    signal: target.signal,
    headersTimeout: target.timeoutMs,
    bodyTimeout: target.timeoutMs,
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
export async function readUpstreamText(body: Dispatcher.ResponseData['body'], target: UpstreamTarget): Promise<string> {
  try {
    return (await collectBody(body, limits.maxBodyBytes, destroy)).toString('utf8');
  } catch (error) {
    if (!(error instanceof CollectBodyError)) throw classifyNetworkError(error, target);
    if (error.kind === 'too_large') throw responseTooLarge(target);
    // Closed with neither end nor error: cut short.
    const cause = error.streamError ?? Object.assign(new Error('the response body ended early'), { code: 'UND_ERR_PREMATURE_CLOSE' });
    throw classifyNetworkError(cause, target);
  }
}

function destroy(body: Readable): void {
  body.destroy();
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
    cause instanceof undiciErrors.HeadersTimeoutError ||
    cause instanceof undiciErrors.BodyTimeoutError ||
    name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT';
  if (timedOut) {
    return new GatewayError('upstream_timeout', `${provider} did not answer within ${target.timeoutMs / 1000} s`, {
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
