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

/** Maps an outcome to the request log's input; `nowMs` is the wall clock at close. */
export function toLoggable(outcome: RequestOutcome, nowMs: number, prices: PriceTable = loadPriceTable()): LoggableRequest {
  const principal = outcome.principal;
  const cost = costOfOutcome(outcome, prices);
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
    ...(outcome.error ? { errorCode: outcome.error.code, errorMessage: outcome.error.message } : {}),
    latencyMs: outcome.durationMs,
    ...(outcome.firstChunkMs === undefined ? {} : { firstTokenMs: outcome.firstChunkMs }),
    stream: outcome.streamed,
    cancelled: outcome.abortedBy === 'client',
    usage: { prompt_tokens: outcome.inputTokens, completion_tokens: outcome.outputTokens },
    ...(cost === undefined ? {} : { cost }),
    ...(outcome.attempts === undefined ? {} : { attempts: outcome.attempts }),
    ...(outcome.fallbackIndex === undefined ? {} : { fallbackIndex: outcome.fallbackIndex }),
    ...(outcome.keyName === undefined ? {} : { keyName: outcome.keyName }),
    ...(typeof principal?.virtualKey === 'string' ? { virtualKeyId: principal.virtualKey } : {}),
    ...(typeof principal?.team === 'string' ? { teamId: principal.team } : {}),
    ...(typeof principal?.customer === 'string' ? { customerId: principal.customer } : {}),
    ...(outcome.content?.stopReason ? { stopReason: outcome.content.stopReason } : {}),
    ...(outcome.content ? { content: contentForRow(outcome.content) } : {}),
  };
}
