/**
 * A request's lifecycle, in order. Each phase names the one place that runs it.
 *
 * 1. received: `http/middleware/request-context.ts` gives the request its id and its
 *    RequestState (`request-state.ts`), and arms the close listener of phase 6.
 * 2. admitted: an inference route calls `beginInference` (`http/inference.ts`): counted in
 *    flight until its response closes, given an abort signal (client gone, drain deadline).
 * 3. pre-dispatch check: once the body and model are known, `dispatchInference` runs
 *    `AppDeps.preDispatchChecks` (`pre-dispatch.ts`); one throwing a GatewayError refuses
 *    the request. Governance plugs in here. Empty by default.
 * 4. dispatched: the dispatcher picks a key, retries and falls back; who answered is noted.
 * 5. responded / streamed: JSON is answered by the route; a stream is pumped by
 *    `http/sse/pump.ts` in its dialect (OpenAI, Anthropic, Gemini). Both only note facts
 *    on the state (usage, first chunk, success, error).
 * 6. closed: when the response closes, the state becomes ONE RequestOutcome (`outcome.ts`),
 *    handed to every `AppDeps.outcomeSinks` entry (metrics, access log, request logs...).
 */
import type { Logger } from '../../shared/logger.js';
import type { OutcomeSink, RequestOutcome } from './outcome.js';

/**
 * Hands an outcome to every sink. A sink that throws is logged and skipped: accounting must
 * never break the next sink, nor the server.
 */
export function emitOutcome(sinks: readonly OutcomeSink[], outcome: RequestOutcome, logger: Logger): void {
  for (const sink of sinks) {
    try {
      sink.record(outcome);
    } catch (error) {
      logger.error({ id: outcome.requestId, err: error }, 'outcome sink failed');
    }
  }
}
