import type { Context } from 'koa';
import { Cancellation, type CancelSignal } from '../core/cancellation.js';
import type { DispatchResult, RequestContext, RouteSpec } from '../core/dispatcher.js';
import { GatewayError } from '../core/errors.js';
import { checkModelRefLength, parseModelRef } from '../core/model-ref.js';
import { ShutdownDeadlineError } from '../lifecycle/drain.js';
import type { ProviderAdapter, UpstreamTarget } from '../providers/types.js';
import { runPreDispatchChecks } from '../request/pre-dispatch.js';
import { noteAnswered, noteError, noteRequested, noteSuccess, noteUsage, requestStateOf, type RequestState } from '../request/request-state.js';
import type { Usage } from '../providers/chat-types.js';
import { captureAnswer, captureRequest } from '../request-log/capture-content.js';
import type { AppDeps } from './app-deps.js';
import { upstreamTextOf } from '../providers/shared/upstream-text.js';
import { bodyLimitBytes, readJsonBody } from './read-json-body.js';
import { checkBodyDepth } from './validate/json-depth.js';

const FORWARD_PREFIX = 'x-bf-eh-';
/** Headers a client may not set upstream through x-bf-eh-*: credentials and framing. */
const NOT_FORWARDED = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'x-bf-vk',
  'host',
  'content-length',
  'content-type',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'te',
  'upgrade',
]);

/** One admitted inference request: its dispatch context and shared state. */
export interface InferenceScope {
  requestId: string;
  state: RequestState;
  context: RequestContext;
  /** Aborted when the client leaves or the drain deadline passes. */
  signal: CancelSignal;
  /** The client's request headers (for pre-dispatch checks). */
  headers: Context['req']['headers'];
  /** The parsed body, once read (for pre-dispatch checks). */
  body?: Readonly<Record<string, unknown>>;
  /** Why the signal aborted: the client left, or the node is shutting down. */
  abortedBy(): 'client' | 'shutdown' | undefined;
}

/**
 * Admits an inference request (lifecycle phase "admitted"): counts it in flight until its
 * response closes, and gives it an abort signal fired when the client disconnects early
 * (which aborts the upstream call) or when the drain deadline passes. Call before reading the body.
 */
export function beginInference(ctx: Context, deps: AppDeps): InferenceScope {
  const state = requestStateOf(ctx);
  const cancellation = new Cancellation();
  state.inference = true;
  state.signal = cancellation;
  if (deps.requestLog?.capturesContent) state.content = {};
  const leave = deps.lifecycle.admit(cancellation);
  const res = ctx.res;
  // Run by the request-context middleware's one 'close' listener.
  state.onClose = () => {
    if (!res.writableFinished) {
      cancellation.abort(new GatewayError('client_closed', 'the client closed the request'));
    }
    leave();
  };
  const context: RequestContext = { requestId: state.requestId, signal: cancellation, forwardHeaders: readForwardHeaders(ctx) };
  return {
    requestId: state.requestId,
    state,
    context,
    signal: cancellation,
    headers: ctx.req.headers,
    abortedBy: () => {
      if (!cancellation.aborted) return undefined;
      return cancellation.reason instanceof ShutdownDeadlineError ? 'shutdown' : 'client';
    },
  };
}

/** The `x-bf-eh-<name>` headers of a request as `<name>` -> value (credentials excluded). */
export function readForwardHeaders(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = ctx.req.headers;
  for (const name in headers) {
    if (!name.startsWith(FORWARD_PREFIX)) continue;
    const target = name.slice(FORWARD_PREFIX.length);
    const value = headers[name];
    if (target === '' || NOT_FORWARDED.has(target) || value === undefined) continue;
    out[target] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Reads the JSON body within the configured limit and nesting depth, keeping it on the scope for the pre-dispatch checks. */
export async function readInferenceBody(ctx: Context, deps: AppDeps, scope?: InferenceScope): Promise<Record<string, unknown>> {
  const body = await readJsonBody(ctx, bodyLimitBytes(deps.config.client.max_request_body_size_mb));
  checkBodyDepth(body);
  if (scope) scope.body = body;
  return body;
}

/**
 * Reads the body and its `provider/model`, noting both on the request state at once so that
 * the outcome carries them even when the request fails later (400 for a bad model), and
 * captures the request's content for the request log.
 */
export async function readModelRequest(ctx: Context, deps: AppDeps, scope: InferenceScope): Promise<Record<string, unknown> & { model: string }> {
  const body = await readInferenceBody(ctx, deps, scope);
  noteRequestedModel(deps, scope.state, body.model);
  if (scope.state.content) captureRequest(scope.state.content, body);
  return body as Record<string, unknown> & { model: string };
}

/**
 * Notes the model a body asks for, refusing a malformed one first (400). A bare model
 * ("gpt-4o-mini") is left for a pre-dispatch check to route (a virtual key's provider configs
 * choose its provider); if none does, the dispatcher answers the usual 400.
 */
function noteRequestedModel(deps: AppDeps, state: RequestState, model: unknown): void {
  if (deps.preDispatchChecks.length > 0 && typeof model === 'string' && model !== '' && !model.includes('/')) {
    checkModelRefLength(model);
    noteRequested(state, '', model);
    return;
  }
  const ref = parseModelRef(model);
  noteRequested(state, ref.provider, ref.model);
}

/**
 * Lifecycle phases "pre-dispatch check" and "dispatched": runs the node's pre-dispatch
 * checks, then the dispatcher, and notes who answered.
 */
export async function dispatchInference<T>(
  deps: AppDeps,
  scope: InferenceScope,
  route: RouteSpec,
  attempt: (adapter: ProviderAdapter, target: UpstreamTarget) => Promise<T>,
): Promise<DispatchResult<T>> {
  if (deps.preDispatchChecks.length > 0) {
    const requested = route.model;
    const pending = runPreDispatchChecks(deps.preDispatchChecks, { state: scope.state, headers: scope.headers, body: scope.body ?? {}, route });
    if (pending) await pending;
    if (route.model !== requested) {
      const ref = parseModelRef(route.model);
      noteRequested(scope.state, ref.provider, ref.model);
    }
  }
  const result = await deps.dispatcher.run(route, scope.context, attempt);
  noteAnswered(scope.state, result);
  return result;
}

/** Notes a JSON answer given in full, with the tokens it used. */
export function noteJsonSuccess(state: RequestState, usage: Partial<Usage> | null | undefined): void {
  noteSuccess(state);
  noteUsage(state, usage);
}

/** The Content-Type of JSON answers, set as is: Koa would look "json" up in mime-types on every answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Answers a successful non-streaming OpenAI-shaped result, with `extra_fields`, and notes it.
 * An answer the provider gave in OpenAI's shape goes back as the text it came in, with
 * `extra_fields` appended: it was parsed (validated, usage read) but is not serialised again,
 * which for embeddings is most of the work of answering.
 */
export function answerJson<T extends { usage?: Partial<Usage> | null }>(ctx: Context, deps: AppDeps, scope: InferenceScope, result: DispatchResult<T>): void {
  const answer = result.value;
  noteJsonSuccess(scope.state, answer.usage);
  if (scope.state.content) captureAnswer(scope.state.content, answer);
  const text = upstreamTextOf(answer);
  endWithJson(
    ctx,
    deps,
    text !== undefined && !Object.hasOwn(answer, 'extra_fields')
      ? appendMember(text, 'extra_fields', extraFieldsOf(result.provider, result.model, scope.state))
      : JSON.stringify(withExtraFields(answer, result.provider, result.model, scope.state)),
  );
}

/**
 * Sends a 200 JSON answer and ends the response, past Koa's response handling: its body setter
 * sets the status through its own tables and the length through `ctx.set`, and its `respond`
 * reads the body back through delegated getters, about 15 µs a request on the hot path
 * (bench/profile-notes.md). While the node drains the answer asks the client to close the
 * connection, as the request context does for the answers Koa sends.
 */
function endWithJson(ctx: Context, deps: AppDeps, text: string): void {
  const res = ctx.res;
  ctx.respond = false;
  res.statusCode = 200;
  res.setHeader('content-type', JSON_CONTENT_TYPE);
  res.setHeader('content-length', Buffer.byteLength(text));
  if (deps.lifecycle.draining) res.setHeader('connection', 'close');
  res.end(text);
}

/**
 * A JSON object's text with one more member at its end. `objectText` must be the text of a JSON
 * object (it parsed as one) that has no member of that name.
 */
export function appendMember(objectText: string, name: string, value: unknown): string {
  const close = objectText.lastIndexOf('}');
  let last = close - 1;
  while (last >= 0 && isJsonWhitespace(objectText.charCodeAt(last))) last--;
  const separator = objectText.charCodeAt(last) === 0x7b /* { */ ? '' : ',';
  return `${objectText.slice(0, close)}${separator}${JSON.stringify(name)}:${JSON.stringify(value)}}`;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Bifrost's `extra_fields` of a successful answer. */
function extraFieldsOf(provider: string, model: string, state: RequestState): { provider: string; model_requested: string; latency: number } {
  return { provider, model_requested: model, latency: Math.round(performance.now() - state.startedAt) };
}

/**
 * The body to send upstream: the client's fields minus the node's own (`fallbacks`).
 * `model` is replaced per attempt by the adapter. A body without `fallbacks` is returned as is,
 * not copied (adapters build their own upstream body from it and never change it).
 */
export function toUpstreamBody<T>(body: Record<string, unknown>): T {
  if (!Object.hasOwn(body, 'fallbacks')) return body as T;
  const { fallbacks: _fallbacks, ...rest } = body;
  return rest as T;
}

/**
 * The most fallbacks one request may name. Each is a full upstream attempt (with its own
 * retries); a client must not turn one request into thousands of upstream calls.
 */
export const MAX_FALLBACKS = 10;

/**
 * Reads `fallbacks` for the dispatcher: an array of at most MAX_FALLBACKS strings, else a
 * 400. The dispatcher skips repeats and the primary itself, once every name is resolved.
 */
export function readFallbacks(body: Record<string, unknown>): string[] | undefined {
  const value = body.fallbacks;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new GatewayError('invalid_request', 'fallbacks must be an array of "provider/model" strings', { param: 'fallbacks' });
  }
  if (value.length > MAX_FALLBACKS) {
    throw new GatewayError('invalid_request', `fallbacks names ${value.length} models; at most ${MAX_FALLBACKS} are accepted`, { param: 'fallbacks' });
  }
  return value as string[];
}

/** Adds Bifrost's `extra_fields` to a successful response body. */
export function withExtraFields<T extends object>(
  body: T,
  provider: string,
  model: string,
  state: RequestState,
): T & { extra_fields: Record<string, unknown> } {
  const existing = (body as { extra_fields?: Record<string, unknown> }).extra_fields;
  return { ...body, extra_fields: { ...existing, ...extraFieldsOf(provider, model, state) } };
}

/**
 * Notes a failed inference and returns the error to answer with. A request cut by the
 * drain deadline gets a 502 saying so (not 503: the load balancer re-sends 503s, and this
 * work already reached the provider).
 */
export function failInference(scope: InferenceScope, error: unknown): unknown {
  const shown =
    scope.abortedBy() === 'shutdown'
      ? new GatewayError('draining', 'the node shut down before the provider answered; retry', {
          status: 502,
          provider: scope.state.provider,
          model: scope.state.model,
          cause: error,
        })
      : error;
  noteError(scope.state, shown);
  return shown;
}
