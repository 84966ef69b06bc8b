import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, HistogramFamily } from './series-families.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The node's Prometheus metrics, on a Registry of its own (so tests and several apps in one
 * process never collide). Names follow Bifrost's where Bifrost has one; the `gateway_*`
 * ones are this node's additions (in-flight, retries, fallbacks, drain).
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  /** Every HTTP request the node answered, by route, method, status, provider and model. */
  readonly httpRequests = new CounterFamily(this.registry, {
    name: 'http_requests_total',
    help: 'HTTP requests answered by the node',
    labelNames: ['path', 'method', 'status', 'provider', 'model'],
  });

  /** Time from request arrival to the end of the response (a stream's end included). */
  readonly httpDuration = new HistogramFamily(this.registry, {
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, streams until their end',
    labelNames: ['path', 'method', 'status', 'provider', 'model'],
    buckets: LATENCY_BUCKETS,
  });

  /** Upstream attempts (each retry counts), by provider, model and upstream status. */
  readonly upstreamRequests = new CounterFamily(this.registry, {
    name: 'bifrost_upstream_requests_total',
    help: 'Requests sent to upstream providers, each retry counted',
    labelNames: ['provider', 'model', 'status'],
  });

  /** Upstream latency per attempt; for streams, until the upstream accepted (headers). */
  readonly upstreamLatency = new HistogramFamily(this.registry, {
    name: 'bifrost_upstream_latency_seconds',
    help: 'Upstream latency per attempt (streams: until response headers)',
    labelNames: ['provider', 'model', 'status'],
    buckets: LATENCY_BUCKETS,
  });

  readonly successRequests = new CounterFamily(this.registry, {
    name: 'bifrost_success_requests_total',
    help: 'Inference requests that succeeded',
    labelNames: ['provider', 'model'],
  });

  readonly errorRequests = new CounterFamily(this.registry, {
    name: 'bifrost_error_requests_total',
    help: 'Inference requests that failed',
    labelNames: ['provider', 'model', 'status'],
  });

  readonly inputTokens = new CounterFamily(this.registry, {
    name: 'bifrost_input_tokens_total',
    help: 'Prompt tokens reported by providers',
    labelNames: ['provider', 'model'],
  });

  readonly outputTokens = new CounterFamily(this.registry, {
    name: 'bifrost_output_tokens_total',
    help: 'Completion tokens reported by providers',
    labelNames: ['provider', 'model'],
  });

  readonly firstTokenLatency = new HistogramFamily(this.registry, {
    name: 'bifrost_stream_first_token_latency_seconds',
    help: 'Time from request arrival to the first streamed chunk sent to the client',
    labelNames: ['provider', 'model'],
    buckets: LATENCY_BUCKETS,
  });

  readonly inFlight = new Gauge({
    name: 'gateway_in_flight_requests',
    help: 'Accepted inference requests and open streams',
    registers: [this.registry],
  });

  readonly retries = new CounterFamily(this.registry, {
    name: 'gateway_upstream_retries_total',
    help: 'Upstream retries after a retryable failure',
    labelNames: ['provider', 'model'],
  });

  readonly fallbacks = new CounterFamily(this.registry, {
    name: 'gateway_fallbacks_total',
    help: 'Fallbacks tried after the previous provider failed',
    labelNames: ['provider', 'model'],
  });

  readonly queueRejections = new Counter({
    name: 'gateway_queue_rejections_total',
    help: 'Requests refused because a provider queue was full (drop_excess_requests)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly draining = new Gauge({
    name: 'gateway_draining',
    help: '1 while the node drains after SIGTERM',
    registers: [this.registry],
  });

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    if (options.collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text for GET /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type prom-client's exposition uses. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
