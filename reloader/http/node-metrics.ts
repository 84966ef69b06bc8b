/**
 * Live request rate, error rate and latency per node for the page, from each node's own
 * Prometheus /metrics (http_requests_total and http_request_duration_seconds): two scrapes,
 * the difference over the time between them. Probe traffic (/health, /metrics) is left out.
 */

import { NODE_API_MAX_BYTES, nodeOrigin, readCapped } from './node-api.js';

/** What one scrape of a node's /metrics adds up to. */
export interface MetricsSample {
  at: number;
  requests: number;
  errors: number;
  /** Cumulative histogram: upper bound in seconds -> count (Infinity for +Inf). */
  buckets: Map<number, number>;
}

/** A node's live figures over the last interval; null fields when no request was answered. */
export interface NodeRates {
  requests_per_s: number;
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  window_s: number;
}

const PROBE_PATHS = new Set(['/health', '/metrics']);
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Sums a node's /metrics text into a sample. */
export function parseMetricsText(text: string, at: number): MetricsSample {
  const sample: MetricsSample = { at, requests: 0, errors: 0, buckets: new Map() };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const [, name, labelText = '', rawValue = ''] = match;
    if (name !== 'http_requests_total' && name !== 'http_request_duration_seconds_bucket') continue;
    const labels = new Map<string, string>();
    for (const label of labelText.matchAll(LABEL)) labels.set(label[1] as string, label[2] as string);
    if (PROBE_PATHS.has(labels.get('path') ?? '')) continue;
    const value = Number(rawValue);
    if (!Number.isFinite(value)) continue;
    if (name === 'http_requests_total') {
      sample.requests += value;
      if (Number(labels.get('status')) >= 500) sample.errors += value;
    } else {
      const le = labels.get('le') === '+Inf' ? Infinity : Number(labels.get('le'));
      sample.buckets.set(le, (sample.buckets.get(le) ?? 0) + value);
    }
  }
  return sample;
}

/** The figures between two samples of one node (a restarted node's counters start again: then from zero). */
export function ratesBetween(before: MetricsSample | undefined, after: MetricsSample): NodeRates | null {
  if (!before || after.at <= before.at) return null;
  const reset = after.requests < before.requests;
  const base: MetricsSample = reset ? { at: before.at, requests: 0, errors: 0, buckets: new Map() } : before;
  const seconds = (after.at - base.at) / 1000;
  const requests = after.requests - base.requests;
  const errors = after.errors - base.errors;
  const deltas = [...after.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => [le, count - (base.buckets.get(le) ?? 0)] as [number, number]);
  return {
    requests_per_s: round(requests / seconds, 2),
    error_rate: requests > 0 ? round(errors / requests, 4) : null,
    p50_ms: quantileMs(deltas, 0.5),
    p99_ms: quantileMs(deltas, 0.99),
    window_s: round(seconds, 1),
  };
}

/** A quantile from cumulative bucket counts, interpolated linearly inside its bucket (as Prometheus does). */
export function quantileMs(cumulative: Array<[number, number]>, q: number): number | null {
  const total = cumulative[cumulative.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of cumulative) {
    if (count >= rank) {
      // Beyond the last finite bound nothing is known but "more than it".
      if (le === Infinity) return round(lowerBound * 1000, 1);
      const inBucket = count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return round((lowerBound + (le - lowerBound) * fraction) * 1000, 1);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return null;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Reads a node's /metrics text; undefined when it does not answer. */
export type MetricsScraper = (ip: string) => Promise<string | undefined>;

/**
 * Scrapes http://<ip>:<port>/metrics with a short timeout, as the health probe reaches nodes,
 * reading at most `maxBytes` (a node's /metrics is tens of KB; anything far larger is refused
 * unread rather than held in the control plane's memory).
 */
export function createHttpMetricsScraper(port: number, timeoutMs = 1500, maxBytes = NODE_API_MAX_BYTES): MetricsScraper {
  return async (ip) => {
    try {
      const response = await fetch(`${nodeOrigin(ip, port)}/metrics`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      return await readCapped(response, maxBytes);
    } catch {
      return undefined;
    }
  };
}

/**
 * Keeps the last sample per node and answers the current rates. Scrapes at most once per
 * `minIntervalMs` whatever the number of viewers: the nodes serve traffic, not dashboards.
 */
export class NodeMetricsCollector {
  private readonly samples = new Map<string, MetricsSample>();
  private readonly rates = new Map<string, NodeRates | null>();
  private lastRun = -Infinity;
  private running: Promise<void> | undefined;

  constructor(
    private readonly scrape: MetricsScraper,
    private readonly minIntervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The rates of each node (by id), scraping again when the last scrape is old enough. */
  async collect(nodes: ReadonlyArray<{ id: string; ip: string | null }>): Promise<Map<string, NodeRates | null>> {
    if (this.now() - this.lastRun >= this.minIntervalMs) {
      this.running ??= this.scrapeAll(nodes).finally(() => (this.running = undefined));
    }
    if (this.running) await this.running;
    return new Map(nodes.map((node) => [node.id, this.rates.get(node.id) ?? null]));
  }

  private async scrapeAll(nodes: ReadonlyArray<{ id: string; ip: string | null }>): Promise<void> {
    this.lastRun = this.now();
    await Promise.all(
      nodes.map(async (node) => {
        const text = node.ip === null ? undefined : await this.scrape(node.ip);
        if (text === undefined) {
          this.samples.delete(node.id);
          this.rates.set(node.id, null);
          return;
        }
        const sample = parseMetricsText(text, this.now());
        const rates = ratesBetween(this.samples.get(node.id), sample);
        this.samples.set(node.id, sample);
        if (rates) this.rates.set(node.id, rates);
      }),
    );
  }
}
