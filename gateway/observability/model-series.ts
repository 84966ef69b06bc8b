import type { GatewayMetrics } from './metrics.js';
import type { ModelLabels } from './model-labels.js';
import type { CounterSeries, HistogramSeries, SeriesFamily } from './series-families.js';

/** The HTTP series of one route, method and status for a provider and model. */
export interface HttpSeries {
  readonly requests: CounterSeries;
  readonly duration: HistogramSeries;
}

/** The upstream series of one upstream status for a provider and model. */
export interface UpstreamSeries {
  readonly requests: CounterSeries;
  readonly latency: HistogramSeries;
}

/**
 * Every series one (provider, model) label pair writes to, each made on first use and then
 * kept: recording a request is a few Map lookups and additions, with no label objects and no
 * hashing (see SeriesFamily). Series appear in /metrics once first used, as with prom-client.
 */
export class ModelSeries {
  private readonly httpByKey = new Map<string, HttpSeries>();
  private readonly upstreamByStatus = new Map<string, UpstreamSeries>();
  private readonly errorsByStatus = new Map<number, CounterSeries>();
  /** The series labelled by provider and model alone (successes, tokens, first chunk, retries, fallbacks). */
  private readonly byFamily = new Map<object, CounterSeries | HistogramSeries>();

  constructor(
    private readonly metrics: GatewayMetrics,
    /** The label values: '' for an unconfigured provider, "other" for a model outside the bounded set. */
    readonly provider: string,
    readonly model: string,
  ) {}

  /** HTTP requests and durations for a route (the pattern, not the path), method and status. */
  http(route: string, method: string, status: number): HttpSeries {
    // Route patterns and methods are few; the status makes the key unique among them.
    const key = `${status} ${method} ${route}`;
    let series = this.httpByKey.get(key);
    if (series === undefined) {
      const values = [route, method, String(status), this.provider, this.model];
      series = { requests: this.metrics.httpRequests.of(...values), duration: this.metrics.httpDuration.of(...values) };
      this.httpByKey.set(key, series);
    }
    return series;
  }

  /** Upstream attempts and their latency, by the upstream's status. */
  upstream(status: string): UpstreamSeries {
    let series = this.upstreamByStatus.get(status);
    if (series === undefined) {
      const values = [this.provider, this.model, status];
      series = { requests: this.metrics.upstreamRequests.of(...values), latency: this.metrics.upstreamLatency.of(...values) };
      this.upstreamByStatus.set(status, series);
    }
    return series;
  }

  /** Inference requests that failed, by the status the client got. */
  errors(status: number): CounterSeries {
    let series = this.errorsByStatus.get(status);
    if (series === undefined) {
      series = this.metrics.errorRequests.of(this.provider, this.model, String(status));
      this.errorsByStatus.set(status, series);
    }
    return series;
  }

  /** Inference requests that succeeded. */
  get successes(): CounterSeries {
    return this.ofPair(this.metrics.successRequests);
  }

  /** Prompt tokens the provider reported. */
  get inputTokens(): CounterSeries {
    return this.ofPair(this.metrics.inputTokens);
  }

  /** Completion tokens the provider reported. */
  get outputTokens(): CounterSeries {
    return this.ofPair(this.metrics.outputTokens);
  }

  /** Time to a stream's first chunk. */
  get firstChunk(): HistogramSeries {
    return this.ofPair(this.metrics.firstTokenLatency);
  }

  /** Upstream retries. */
  get retries(): CounterSeries {
    return this.ofPair(this.metrics.retries);
  }

  /** Fallbacks tried. */
  get fallbacks(): CounterSeries {
    return this.ofPair(this.metrics.fallbacks);
  }

  /** A family's series labelled by this pair alone, made on first use. */
  private ofPair<S extends CounterSeries | HistogramSeries>(family: SeriesFamily<S>): S {
    let series = this.byFamily.get(family) as S | undefined;
    if (series === undefined) {
      series = family.of(this.provider, this.model);
      this.byFamily.set(family, series);
    }
    return series;
  }
}

/**
 * The ModelSeries of every label pair, found by the provider and model a request named.
 * Label values stay bounded (ModelLabels): a model outside the set shares its provider's
 * "other" series, an unconfigured provider the one unlabelled series.
 */
export class ModelSeriesTable {
  private readonly byProvider = new Map<string, Map<string, ModelSeries>>();
  private readonly unconfigured: ModelSeries;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly labels: ModelLabels,
  ) {
    this.unconfigured = new ModelSeries(metrics, '', '');
  }

  /** The series for what a request named. */
  of(provider: string, model: string): ModelSeries {
    let byModel = this.byProvider.get(provider);
    const found = byModel?.get(model);
    if (found !== undefined) return found;
    const label = this.labels.of(provider, model);
    if (label.provider === '') return this.unconfigured;
    if (byModel === undefined) {
      byModel = new Map();
      this.byProvider.set(provider, byModel);
    }
    // Keyed by the label value, never by a model outside the set: clients choose those names.
    let series = byModel.get(label.model);
    if (series === undefined) {
      series = new ModelSeries(this.metrics, provider, label.model);
      byModel.set(label.model, series);
    }
    return series;
  }

  /** Notes a model a configured provider answered for (see ModelLabels.learn). */
  learn(provider: string, model: string): void {
    this.labels.learn(provider, model);
  }
}
