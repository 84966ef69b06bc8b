import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';
import type { GatewayMetrics } from './metrics.js';
import type { ModelLabels } from './model-labels.js';

/**
 * Turns each request's outcome into the Prometheus metrics: HTTP count and duration for
 * every request; for inference requests, success or error, tokens and first-chunk latency.
 */
export class MetricsSink implements OutcomeSink {
  constructor(
    private readonly metrics: GatewayMetrics,
    /** Bounds the provider and model label values (the model comes from the client). */
    private readonly labels: ModelLabels,
  ) {}

  /** Records one outcome. */
  record(outcome: RequestOutcome): void {
    const { metrics } = this;
    // Only a bounded set becomes label values: a client naming random providers or models
    // must not grow the metric series without bound.
    if (outcome.succeeded) this.labels.learn(outcome.provider, outcome.model);
    const { provider, model } = this.labels.of(outcome.provider, outcome.model);
    const labels = { path: outcome.route, method: outcome.method, status: String(outcome.status), provider, model };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, outcome.durationMs / 1000);
    if (!outcome.inference) return;
    const answered = { provider, model };
    if (outcome.firstChunkMs !== undefined) metrics.firstTokenLatency.observe(answered, outcome.firstChunkMs / 1000);
    if (outcome.error) metrics.errorRequests.inc({ provider, model, status: String(outcome.error.status) });
    else if (outcome.succeeded) metrics.successRequests.inc(answered);
    if (outcome.inputTokens > 0) metrics.inputTokens.inc(answered, outcome.inputTokens);
    if (outcome.outputTokens > 0) metrics.outputTokens.inc(answered, outcome.outputTokens);
  }
}
