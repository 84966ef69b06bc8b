import { costOf, findPrice, loadPriceTable, type PriceTable } from '../governance/prices.js';
import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';
import { contentForRow } from './capture-content.js';
import type { LoggableRequest } from './log-row.js';

/**
 * The request log as one of the node's outcome sinks: each inference request's outcome
 * becomes one queued row. Probes, scrapes and requests refused while draining (never admitted)
 * are not inference and are skipped. Never blocks: the row only joins the writer's queue.
 */
export class RequestLogSink implements OutcomeSink {
  constructor(
    private readonly log: { record(request: LoggableRequest): void },
    /** The per-token prices that give a row its cost (GOVERNANCE_PRICES_FILE, or the shipped table). */
    private readonly prices: PriceTable = loadPriceTable(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues the row of an inference request. */
  record(outcome: RequestOutcome): void {
    if (!outcome.inference) return;
    this.log.record(toLoggable(outcome, this.now(), this.prices));
  }
}

/**
 * The dollars of an answered request at list price; undefined (the row's cost stays null) when
 * the model has no price or no usage was reported: unknown, rather than a misleading $0.
 */
function costOfOutcome(outcome: RequestOutcome, prices: PriceTable): number | undefined {
  if (outcome.inputTokens === 0 && outcome.outputTokens === 0) return undefined;
  const price = findPrice(prices, outcome.provider, outcome.model);
  return price ? costOf(price, outcome.inputTokens, outcome.outputTokens) : undefined;
}

/**
 * Maps an outcome to the request log's input; `nowMs` is the wall clock at close. Every field is
 * written, undefined when the outcome has none: one object shape for every row, built without
 * the temporary objects of conditional spreads (this runs once per logged request).
 */
export function toLoggable(outcome: RequestOutcome, nowMs: number, prices: PriceTable = loadPriceTable()): LoggableRequest {
  const principal = outcome.principal;
  const content = outcome.content;
  return {
    requestId: outcome.requestId,
    // The outcome's times are monotonic; the row's timestamp is the wall-clock arrival.
    startedAtMs: nowMs - outcome.durationMs,
    method: outcome.method,
    route: outcome.route,
    provider: outcome.provider,
    model: outcome.model,
    httpStatus: outcome.status,
    succeeded: outcome.succeeded,
    errorCode: outcome.error?.code,
    errorMessage: outcome.error?.message,
    latencyMs: outcome.durationMs,
    firstTokenMs: outcome.firstChunkMs,
    stream: outcome.streamed,
    cancelled: outcome.abortedBy === 'client',
    usage: { prompt_tokens: outcome.inputTokens, completion_tokens: outcome.outputTokens },
    cost: costOfOutcome(outcome, prices),
    attempts: outcome.attempts,
    fallbackIndex: outcome.fallbackIndex,
    keyName: outcome.keyName,
    virtualKeyId: stringOrUndefined(principal?.virtualKey),
    virtualKeyName: stringOrUndefined(principal?.virtualKeyName),
    teamId: stringOrUndefined(principal?.team),
    customerId: stringOrUndefined(principal?.customer),
    stopReason: content?.stopReason || undefined,
    content: content ? contentForRow(content) : undefined,
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
