import * as hdr from 'hdr-histogram-js';

/** A latency histogram recording microseconds. */
export type LatencyHistogram = hdr.Histogram;

/** Creates a histogram for latencies from 1 µs to 60 s at 3 significant digits. */
export function createHistogram(): LatencyHistogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Records a duration given in milliseconds (fractional) into a µs histogram. */
export function recordMs(histogram: LatencyHistogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.min(60_000_000, Math.round(ms * 1000))));
}

/** The latency percentiles a table shows, in milliseconds. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Reads p50/p90/p99/max/mean of a µs histogram, in milliseconds. */
export function summarize(histogram: LatencyHistogram): Percentiles {
  if (histogram.totalCount === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p90: histogram.getValueAtPercentile(90) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    max: histogram.maxValue / 1000,
    mean: histogram.mean / 1000,
  };
}
