import type { Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

type LabelSet = Readonly<Record<string, string>>;

/** What names a family, as prom-client's metric options do. */
export interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/** One counter series. The hot path keeps it and adds to it: no label hashing per request. */
export class CounterSeries {
  value = 0;

  constructor(readonly labels: LabelSet) {}

  /** Adds `amount` (1 by default). A negative or non-finite amount is ignored, never stored. */
  inc(amount = 1): void {
    // A provider that lies about token counts must not turn a counter into NaN for good.
    if (amount >= 0 && amount !== Number.POSITIVE_INFINITY) this.value += amount;
  }
}

/** One histogram series with fixed bounds, kept and observed directly by the hot path. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly perBucket: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: LabelSet,
    private readonly bounds: readonly number[],
  ) {
    this.perBucket = new Float64Array(bounds.length + 1);
  }

  /** Counts one observation. A non-finite value is ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    this.perBucket[index] = (this.perBucket[index] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A labelled metric whose series are objects our code holds, registered on a prom-client
 * Registry, which renders it like its own. prom-client validates and hashes the labels on
 * every `inc` and `observe`: at seven calls a request that was most of what metrics cost
 * the node (bench/profile-notes.md). Here the label work happens once, when a series is first
 * made; callers on the hot path keep the series (see ModelSeries) and only add numbers.
 */
export abstract class SeriesFamily<S extends CounterSeries | HistogramSeries> {
  abstract readonly type: 'counter' | 'histogram';
  /** How prom-client's cluster aggregation would combine workers (it reads this field). */
  readonly aggregator = 'sum' as const;
  private readonly byKey = new Map<string, S>();

  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];

  constructor(registry: Registry, options: FamilyOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // The Registry reads only name, help, type, aggregator, get() and reset(); its types
    // name prom-client's own classes, hence the cast.
    registry.registerMetric(this as unknown as Metric<string>);
  }

  /** The series of these label values, in labelNames' order, made on first use. Keep it. */
  of(...values: string[]): S {
    const key = values.join('\u0000');
    let series = this.byKey.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, index) => {
        labels[name] = values[index] ?? '';
      });
      series = this.create(labels);
      this.byKey.set(key, series);
    }
    return series;
  }

  /** Zeroes every series in place (callers keep their series, so none is dropped). */
  reset(): void {
    for (const series of this.byKey.values()) this.zero(series);
  }

  /** prom-client's collection interface: every series made so far, as its own metrics give them. */
  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const series of this.byKey.values()) this.export(series, values);
    return { name: this.name, help: this.help, type: this.type as never, aggregator: this.aggregator, collect: () => {}, values };
  }

  protected abstract create(labels: LabelSet): S;
  protected abstract zero(series: S): void;
  protected abstract export(series: S, into: MetricValueWithName<string>[]): void;
}

/** A labelled counter family (see SeriesFamily). */
export class CounterFamily extends SeriesFamily<CounterSeries> {
  readonly type = 'counter';

  protected create(labels: LabelSet): CounterSeries {
    return new CounterSeries(labels);
  }

  protected zero(series: CounterSeries): void {
    series.value = 0;
  }

  protected export(series: CounterSeries, into: MetricValueWithName<string>[]): void {
    into.push({ value: series.value, labels: series.labels });
  }
}

/** A labelled histogram family with fixed bucket bounds (see SeriesFamily). */
export class HistogramFamily extends SeriesFamily<HistogramSeries> {
  readonly type = 'histogram';

  private readonly bounds: readonly number[];

  constructor(registry: Registry, options: FamilyOptions & { buckets: readonly number[] }) {
    super(registry, options);
    this.bounds = options.buckets;
  }

  protected create(labels: LabelSet): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  protected zero(series: HistogramSeries): void {
    series.perBucket.fill(0);
    series.sum = 0;
    series.count = 0;
  }

  protected export(series: HistogramSeries, into: MetricValueWithName<string>[]): void {
    // The shape prom-client's Histogram exports: cumulative buckets with `le` first, then +Inf,
    // _sum and _count, the series' labels passed as shared labels.
    const bucketName = `${this.name}_bucket`;
    const sharedLabels = series.labels;
    let cumulative = 0;
    this.bounds.forEach((bound, index) => {
      cumulative += series.perBucket[index] as number;
      into.push({ value: cumulative, labels: { le: bound }, metricName: bucketName, sharedLabels } as MetricValueWithName<string>);
    });
    into.push({ value: series.count, labels: { le: '+Inf' }, metricName: bucketName, sharedLabels } as MetricValueWithName<string>);
    into.push({ value: series.sum, labels: {}, metricName: `${this.name}_sum`, sharedLabels } as MetricValueWithName<string>);
    into.push({ value: series.count, labels: {}, metricName: `${this.name}_count`, sharedLabels } as MetricValueWithName<string>);
  }
}
