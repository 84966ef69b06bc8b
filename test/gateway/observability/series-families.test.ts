import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from '../../../gateway/observability/series-families.js';

const BOUNDS = [0.005, 0.01, 0.1, 1, 10];
const LABELS = ['provider', 'model', 'status'] as const;

/** The same observations recorded through prom-client's own Histogram and Counter, and through ours. */
async function renderBoth(observations: Array<[string, string, string, number]>): Promise<{ theirs: string; ours: string }> {
  const theirRegistry = new Registry();
  const theirCounter = new Counter({ name: 'calls_total', help: 'Calls', labelNames: LABELS, registers: [theirRegistry] });
  const theirHistogram = new Histogram({ name: 'call_seconds', help: 'Call time', labelNames: LABELS, buckets: BOUNDS, registers: [theirRegistry] });
  const ourRegistry = new Registry();
  const ourCounter = new CounterFamily(ourRegistry, { name: 'calls_total', help: 'Calls', labelNames: LABELS });
  const ourHistogram = new HistogramFamily(ourRegistry, { name: 'call_seconds', help: 'Call time', labelNames: LABELS, buckets: BOUNDS });
  for (const [provider, model, status, seconds] of observations) {
    theirCounter.inc({ provider, model, status });
    theirHistogram.observe({ provider, model, status }, seconds);
    ourCounter.of(provider, model, status).inc();
    ourHistogram.of(provider, model, status).observe(seconds);
  }
  return { theirs: await theirRegistry.metrics(), ours: await ourRegistry.metrics() };
}

describe('series families (metrics the hot path records without label hashing)', () => {
  it('render /metrics byte for byte as prom-client renders the same observations', async () => {
    const { theirs, ours } = await renderBoth([
      ['openai', 'gpt-4o', '200', 0.0042],
      ['openai', 'gpt-4o', '200', 0.01],
      ['openai', 'gpt-4o', '200', 0.75],
      ['openai', 'gpt-4o', '500', 42],
      ['anthropic', 'claude "quoted"\\back\nline', '429', 0.2],
    ]);
    assert.equal(ours, theirs);
    assert.match(ours, /call_seconds_bucket\{le="\+Inf",provider="openai",model="gpt-4o",status="500"\} 1/);
  });

  it('keep one series per label set, so what a caller holds is what /metrics shows', async () => {
    const registry = new Registry();
    const family = new CounterFamily(registry, { name: 'things_total', help: 'Things', labelNames: ['kind'] });
    const held = family.of('a');
    held.inc();
    family.of('a').inc(2);
    assert.equal(family.of('a'), held);
    assert.match(await registry.metrics(), /things_total\{kind="a"\} 3\n/);
    registry.resetMetrics();
    held.inc();
    assert.match(await registry.metrics(), /things_total\{kind="a"\} 1\n/, 'a reset zeroes the series the caller still holds');
  });

  it('ignore amounts a lying provider could report (NaN, infinite, negative counts) instead of poisoning the series', async () => {
    const registry = new Registry();
    const tokens = new CounterFamily(registry, { name: 'tokens_total', help: 'Tokens', labelNames: ['model'] }).of('m');
    const latency = new HistogramFamily(registry, { name: 'latency_seconds', help: 'Latency', labelNames: ['model'], buckets: BOUNDS }).of('m');
    tokens.inc(5);
    for (const bad of [Number.NaN, -3, Number.POSITIVE_INFINITY]) tokens.inc(bad);
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]) latency.observe(bad);
    latency.observe(0.5);
    const text = await registry.metrics();
    assert.match(text, /tokens_total\{model="m"\} 5\n/);
    assert.match(text, /latency_seconds_count\{model="m"\} 1\n/);
    assert.match(text, /latency_seconds_sum\{model="m"\} 0.5\n/);
  });
});
