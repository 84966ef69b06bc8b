import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * Turns each request's outcome into the Prometheus metrics: HTTP count and duration for
 * every request; for inference requests, success or error, tokens and first-chunk latency.
 */
export class MetricsSink implements OutcomeSink {
  constructor(
    private readonly metrics: GatewayMetrics,
    /** The configured provider names: only these become label values. */
    private readonly providers: ReadonlyMap<string, unknown>,
  ) {}

  /** Records one outcome. */
  record(outcome: RequestOutcome): void {
    const { metrics } = this;
    // Only configured providers become label values: a client naming random providers must
    // not grow the metric series without bound.
    const known = outcome.provider !== '' && this.providers.has(outcome.provider);
    const provider = known ? outcome.provider : '';
    const model = known ? outcome.model : '';
    const labels = { path: outcome.route, method: outcome.method, status: String(outcome.status), provider, model };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, outcome.durationMs / 1000);
    if (!outcome.inference) return;
    // Below, an answered request names the provider that answered, which is configured.
    const answered = { provider: outcome.provider, model: outcome.model };
    if (outcome.firstChunkMs !== undefined) metrics.firstTokenLatency.observe(answered, outcome.firstChunkMs / 1000);
    if (outcome.error) metrics.errorRequests.inc({ provider, model, status: String(outcome.error.status) });
    else if (outcome.succeeded) metrics.successRequests.inc(answered);
    if (outcome.inputTokens > 0) metrics.inputTokens.inc(answered, outcome.inputTokens);
    if (outcome.outputTokens > 0) metrics.outputTokens.inc(answered, outcome.outputTokens);
  }
}
