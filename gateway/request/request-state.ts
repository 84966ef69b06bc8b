import type { Context } from 'koa';
import type { CancelSignal } from '../core/cancellation.js';
import { GatewayError } from '../core/errors.js';
import type { Usage } from '../providers/chat-types.js';
import type { CapturedContent } from '../request-log/capture-content.js';

/**
 * Who is calling (a virtual key, its team, its customer). Empty today: governance fills it
 * in a pre-dispatch check, and settles usage against it from the request's outcome.
 */
export interface Principal {
  readonly virtualKey?: string;
  readonly team?: string;
  readonly customer?: string;
  readonly [field: string]: unknown;
}

/** A failed request's error, as the outcome reports it (never a cause or a stack). */
export interface OutcomeError {
  /** The catalogue code (`gateway/core/errors.ts`), 'internal' for an unexpected error. */
  code: string;
  /** The error's own status (an upstream 503 stays 503 here; the client may have got 502). */
  status: number;
  type: string;
  message: string;
}

/**
 * Everything a request's outcome needs, noted as the request goes (see `lifecycle.ts`).
 * Routes and stream writers only note facts here; the sinks turn them into metrics and logs.
 */
export interface RequestState {
  readonly requestId: string;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  /** The provider and model asked for, then the ones that answered (after fallbacks). */
  provider: string;
  model: string;
  /** The provider and model the client asked for ('' until known). */
  requestedProvider: string;
  requestedModel: string;
  /** Upstream attempts used (retries included) on the provider that answered. */
  attempts?: number;
  /** 0 for the primary, n for the n-th fallback. */
  fallbackIndex?: number;
  /** The configured name of the provider key used (never its value). */
  keyName?: string;
  /** True once admitted as an inference request (counted in flight, outcome counted as success or error). */
  inference: boolean;
  /** True when the answer is a stream. */
  streamed: boolean;
  /** Tokens the provider reported: a JSON answer's usage, a stream's last report (chat terms: prompt / completion). */
  inputTokens: number;
  outputTokens: number;
  /** performance.now() when the first streamed chunk reached the client's socket. */
  firstChunkAt?: number;
  /** True once the answer was given in full (a stream: it ended normally). */
  succeeded: boolean;
  /** The first error the request failed with. */
  error?: OutcomeError;
  /** The inference request's abort signal, to tell a shutdown from a client leaving. */
  signal?: CancelSignal;
  /** Filled by governance; undefined today. */
  principal?: Principal;
  /** Prompts and answers, captured only when a request log keeps content. */
  content?: CapturedContent;
  /**
   * Runs once when the response closes, after the outcome went to the sinks: an inference
   * request's own end (cancel the upstream call if the client left, leave the in-flight count).
   * One 'close' listener a request instead of two.
   */
  onClose?: () => void;
}

const STATE_KEY = 'gateway';

/** A fresh state for a request that just arrived. */
export function createRequestState(requestId: string, startedAt: number): RequestState {
  return {
    requestId,
    startedAt,
    provider: '',
    model: '',
    requestedProvider: '',
    requestedModel: '',
    inference: false,
    streamed: false,
    inputTokens: 0,
    outputTokens: 0,
    succeeded: false,
  };
}

/** The request's shared state, created by the request-context middleware. */
export function requestStateOf(ctx: Context): RequestState {
  return (ctx.state as Record<string, RequestState>)[STATE_KEY] as RequestState;
}

/** Installs the request's shared state. */
export function setRequestState(ctx: Context, state: RequestState): void {
  (ctx.state as Record<string, RequestState>)[STATE_KEY] = state;
}

/** Notes the provider and model the client asked for (so a request failing later still names them). */
export function noteRequested(state: RequestState, provider: string, model: string): void {
  state.provider = provider;
  state.model = model;
  state.requestedProvider = provider;
  state.requestedModel = model;
}

/** Notes who answered, after retries and fallbacks. */
export function noteAnswered(
  state: RequestState,
  result: { provider: string; model: string; attempts: number; fallbackIndex: number; keyName?: string | undefined },
): void {
  state.provider = result.provider;
  state.model = result.model;
  state.attempts = result.attempts;
  state.fallbackIndex = result.fallbackIndex;
  if (result.keyName !== undefined) state.keyName = result.keyName;
}

/**
 * Notes the tokens a provider reported for the request, once: a JSON answer's usage, or a
 * stream's last report (the stream dialects keep it until the end, since a provider may report
 * its running total in every chunk). Set, not added: a second call replaces the first.
 */
export function noteUsage(state: RequestState, usage: Partial<Usage> | null | undefined): void {
  if (!usage) return;
  if (typeof usage.prompt_tokens === 'number' && usage.prompt_tokens > 0) state.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number' && usage.completion_tokens > 0) state.outputTokens = usage.completion_tokens;
}

/** Notes that a streamed chunk is going out; only the first one counts. */
export function noteChunk(state: RequestState): void {
  if (state.firstChunkAt === undefined) state.firstChunkAt = performance.now();
}

/** Notes that the answer was given in full. */
export function noteSuccess(state: RequestState): void {
  state.succeeded = true;
}

/** Notes the error the request failed with; the first one noted wins. */
export function noteError(state: RequestState, error: unknown): void {
  if (state.error) return;
  state.error =
    error instanceof GatewayError
      ? { code: error.code, status: error.status, type: error.type, message: error.message }
      : { code: 'internal', status: 500, type: 'server_error', message: 'internal gateway error' };
}
