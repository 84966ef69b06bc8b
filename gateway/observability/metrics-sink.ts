import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';
import type { ModelSeriesTable } from './model-series.js';

/**
 * Turns each request's outcome into the Prometheus metrics: HTTP count and duration for
 * every request; for inference requests, success or error, tokens and first-chunk latency.
 */
export class MetricsSink implements OutcomeSink {
  constructor(
    /** The series by provider and model, label values bounded (the model comes from the client). */
    private readonly series: ModelSeriesTable,
  ) {}

  /** Records one outcome. */
  record(outcome: RequestOutcome): void {
    // Only a bounded set becomes label values: a client naming random providers or models
    // must not grow the metric series without bound.
    if (outcome.succeeded) this.series.learn(outcome.provider, outcome.model);
    const model = this.series.of(outcome.provider, outcome.model);
    const http = model.http(outcome.route, outcome.method, outcome.status);
    http.requests.inc();
    http.duration.observe(outcome.durationMs / 1000);
    if (!outcome.inference) return;
    if (outcome.firstChunkMs !== undefined) model.firstChunk.observe(outcome.firstChunkMs / 1000);
    if (outcome.error) model.errors(outcome.error.status).inc();
    else if (outcome.succeeded) model.successes.inc();
    if (outcome.inputTokens > 0) model.inputTokens.inc(outcome.inputTokens);
    if (outcome.outputTokens > 0) model.outputTokens.inc(outcome.outputTokens);
  }
}
