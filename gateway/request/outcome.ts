import type { ServerResponse } from 'node:http';
import { ShutdownDeadlineError } from '../lifecycle/drain.js';
import type { CapturedContent } from '../request-log/capture-content.js';
import type { OutcomeError, Principal, RequestState } from './request-state.js';

/**
 * What happened to one request, emitted once when its response closed. Metrics, the access
 * log, request logs and governance's usage settlement all read this one object.
 */
export interface RequestOutcome {
  requestId: string;
  method: string;
  /** The URL path as requested (no query). */
  path: string;
  /** The matched route pattern (e.g. `/v1/chat/completions`), or 'unmatched'. */
  route: string;
  /** The HTTP status sent (a stream's 200 even when it ended with an error event). */
  status: number;
  /** performance.now() at arrival, and the time until the response closed. */
  startedAt: number;
  durationMs: number;
  /** True for an inference request (admitted, dispatched or refused before dispatch). */
  inference: boolean;
  /** The provider and model that answered, else the ones asked for ('' when never known). */
  provider: string;
  model: string;
  requestedProvider: string;
  requestedModel: string;
  attempts: number | undefined;
  fallbackIndex: number | undefined;
  /** The configured name of the provider key used (never its value). */
  keyName: string | undefined;
  streamed: boolean;
  /** Tokens reported by the provider (a stream's last report: some report a running total in every chunk). */
  inputTokens: number;
  outputTokens: number;
  /** Time from arrival to the first streamed chunk sent; undefined when nothing streamed. */
  firstChunkMs: number | undefined;
  /** True when the answer was given in full. */
  succeeded: boolean;
  error: OutcomeError | undefined;
  /** Whether the response was written to the end (false: the client left or the socket was cut). */
  finished: boolean;
  /** Who cut the request short, if anyone. */
  abortedBy: 'client' | 'shutdown' | undefined;
  principal: Principal | undefined;
  /** Prompts and answers, when a request log keeps content (else undefined). */
  content?: CapturedContent | undefined;
}

/** Something that records outcomes: metrics, the access log, request logs, governance. */
export interface OutcomeSink {
  /** Called once per request, synchronously on response close: must not block (queue I/O). */
  record(outcome: RequestOutcome): void;
}

/** What the HTTP layer knows at close time, besides the request's state. */
export interface ResponseFacts {
  method: string;
  path: string;
  route: string;
  status: number;
  closedAt: number;
}

/** Builds the outcome of a request whose response just closed. */
export function toOutcome(state: RequestState, res: ServerResponse, facts: ResponseFacts): RequestOutcome {
  const finished = res.writableFinished;
  return {
    requestId: state.requestId,
    method: facts.method,
    path: facts.path,
    route: facts.route,
    status: facts.status,
    startedAt: state.startedAt,
    durationMs: facts.closedAt - state.startedAt,
    inference: state.inference,
    provider: state.provider,
    model: state.model,
    requestedProvider: state.requestedProvider,
    requestedModel: state.requestedModel,
    attempts: state.attempts,
    fallbackIndex: state.fallbackIndex,
    keyName: state.keyName,
    streamed: state.streamed,
    inputTokens: state.inputTokens,
    outputTokens: state.outputTokens,
    firstChunkMs: state.firstChunkAt === undefined ? undefined : state.firstChunkAt - state.startedAt,
    succeeded: state.succeeded,
    error: state.error,
    finished,
    abortedBy: abortedByOf(state, finished),
    principal: state.principal,
    content: state.content,
  };
}

function abortedByOf(state: RequestState, finished: boolean): 'client' | 'shutdown' | undefined {
  if (state.signal?.aborted && state.signal.reason instanceof ShutdownDeadlineError) return 'shutdown';
  return finished ? undefined : 'client';
}
