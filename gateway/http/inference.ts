import type { Context } from 'koa';
import { Cancellation, type CancelSignal } from '../core/cancellation.js';
import type { RequestContext } from '../core/dispatcher.js';
import { GatewayError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import { ShutdownDeadlineError } from '../lifecycle/drain.js';
import type { Usage } from '../providers/chat-types.js';
import type { AppDeps } from './app-deps.js';
import { bodyLimitBytes, readJsonBody } from './read-json-body.js';
import { requestStateOf, type RequestState } from '../request/request-state.js';

const FORWARD_PREFIX = 'x-bf-eh-';
/** Headers a client may not set upstream through x-bf-eh-*: credentials and framing. */
const NOT_FORWARDED = new Set(['authorization', 'x-api-key', 'api-key', 'host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'keep-alive', 'te', 'upgrade']);

/** One admitted inference request: its dispatch context and shared state. */
export interface InferenceScope {
  requestId: string;
  state: RequestState;
  context: RequestContext;
  /** Aborted when the client leaves or the drain deadline passes. */
  signal: CancelSignal;
  /** Why the signal aborted: the client left, or the node is shutting down. */
  abortedBy(): 'client' | 'shutdown' | undefined;
}

/**
 * Admits an inference request: counts it in flight until its response closes, and gives it
 * an abort signal fired when the client disconnects early (which aborts the upstream call)
 * or when the drain deadline passes. Call before reading the body.
 */
export function beginInference(ctx: Context, deps: AppDeps): InferenceScope {
  const state = requestStateOf(ctx);
  const cancellation = new Cancellation();
  const leave = deps.lifecycle.admit(cancellation);
  const res = ctx.res;
  res.once('close', () => {
    if (!res.writableFinished) {
      cancellation.abort(new GatewayError('client_closed', 'the client closed the request'));
    }
    leave();
  });
  const context: RequestContext = { requestId: state.requestId, signal: cancellation, forwardHeaders: readForwardHeaders(ctx) };
  return {
    requestId: state.requestId,
    state,
    context,
    signal: cancellation,
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

/** Reads the JSON body within the configured limit. */
export function readInferenceBody(ctx: Context, deps: AppDeps): Promise<Record<string, unknown>> {
  return readJsonBody(ctx, bodyLimitBytes(deps.config.client.max_request_body_size_mb));
}

/**
 * Reads the body and its `provider/model`, naming both on the request state at once so that
 * the access log and metrics carry them even when the request fails later (400 for a bad model).
 */
export async function readModelRequest(ctx: Context, deps: AppDeps, scope: InferenceScope): Promise<Record<string, unknown> & { model: string }> {
  const body = await readInferenceBody(ctx, deps);
  const ref = parseModelRef(body.model);
  scope.state.provider = ref.provider;
  scope.state.model = ref.model;
  return body as Record<string, unknown> & { model: string };
}

/** Records who answered (after retries and fallbacks), for the access log and metrics. */
export function noteResult(
  state: { provider: string; model: string; attempts?: number; fallbackIndex?: number },
  result: { provider: string; model: string; attempts: number; fallbackIndex: number },
): void {
  state.provider = result.provider;
  state.model = result.model;
  state.attempts = result.attempts;
  state.fallbackIndex = result.fallbackIndex;
}

/** Answers a successful non-streaming OpenAI-shaped result, with `extra_fields`, and counts it. */
export function answerJson<T extends { usage?: Partial<Usage> | null }>(
  ctx: Context,
  deps: AppDeps,
  scope: InferenceScope,
  result: { value: T; provider: string; model: string; attempts: number; fallbackIndex: number },
): void {
  noteResult(scope.state, result);
  recordSuccess(deps, result.provider, result.model, result.value.usage);
  ctx.body = withExtraFields(result.value, result.provider, result.model, scope.state);
}

/**
 * The body to send upstream: the client's fields minus the node's own (`fallbacks`).
 * `model` is replaced per attempt by the adapter.
 */
export function toUpstreamBody<T>(body: Record<string, unknown>): T {
  const { fallbacks: _fallbacks, ...rest } = body;
  return rest as T;
}

/** Reads `fallbacks` for the dispatcher: an array of strings, else a 400. */
export function readFallbacks(body: Record<string, unknown>): string[] | undefined {
  const value = body.fallbacks;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new GatewayError('invalid_request', 'fallbacks must be an array of "provider/model" strings', { param: 'fallbacks' });
  }
  return value as string[];
}

/** Adds Bifrost's `extra_fields` to a successful response body. */
export function withExtraFields<T extends object>(body: T, provider: string, model: string, state: RequestState): T & { extra_fields: Record<string, unknown> } {
  const existing = (body as { extra_fields?: Record<string, unknown> }).extra_fields;
  return {
    ...body,
    extra_fields: { ...existing, provider, model_requested: model, latency: Math.round(performance.now() - state.startedAt) },
  };
}

/** Counts a successful inference and its tokens. */
export function recordSuccess(deps: AppDeps, provider: string, model: string, usage: Partial<Usage> | null | undefined): void {
  const labels = { provider, model };
  deps.metrics.successRequests.inc(labels);
  recordUsage(deps, provider, model, usage);
}

/** Counts the tokens a provider reported. */
export function recordUsage(deps: AppDeps, provider: string, model: string, usage: Partial<Usage> | null | undefined): void {
  if (!usage) return;
  const labels = { provider, model };
  if (typeof usage.prompt_tokens === 'number' && usage.prompt_tokens > 0) deps.metrics.inputTokens.inc(labels, usage.prompt_tokens);
  if (typeof usage.completion_tokens === 'number' && usage.completion_tokens > 0) deps.metrics.outputTokens.inc(labels, usage.completion_tokens);
}

/**
 * Records a failed inference and returns the error to answer with. A request cut by the
 * drain deadline gets a 502 saying so (not 503: the load balancer re-sends 503s, and this
 * work already reached the provider).
 */
export function failInference(deps: AppDeps, scope: InferenceScope, error: unknown): unknown {
  const shown =
    scope.abortedBy() === 'shutdown'
      ? new GatewayError('draining', 'the node shut down before the provider answered; retry', { status: 502, provider: scope.state.provider, model: scope.state.model, cause: error })
      : error;
  recordFailure(deps, scope.state, shown);
  return shown;
}

/** Counts a failed inference (by the provider and model asked for). */
export function recordFailure(deps: AppDeps, state: RequestState, error: unknown): void {
  const status = error instanceof GatewayError ? error.status : 500;
  const known = state.provider !== '' && deps.config.providers.has(state.provider);
  deps.metrics.errorRequests.inc({ provider: known ? state.provider : '', model: known ? state.model : '', status: String(status) });
}
