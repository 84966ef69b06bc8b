import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpMetricsScraper, NodeMetricsCollector, parseMetricsText, quantileMs, ratesBetween } from '../../../reloader/http/node-metrics.js';

/** A fake node answering GET /metrics with `size` bytes, on `host`; returns its port and a stop. */
async function serveMetrics(host: string, size: number): Promise<{ port: number; server: Server }> {
  const body = `http_requests_total{path="/v1/chat/completions",method="POST",status="200"} 7\n`.padEnd(size, '#');
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    // Unannounced length (chunked): the cap must hold while reading, not only on Content-Length.
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('node metrics for the page', () => {
  it('sums requests, 5xx errors and latency buckets, leaving probe traffic out', () => {
    const sample = parseMetricsText(
      [
        '# HELP http_requests_total x',
        'http_requests_total{path="/v1/chat/completions",method="POST",status="200"} 90',
        'http_requests_total{path="/v1/embeddings",method="POST",status="503"} 10',
        'http_requests_total{path="/health",method="GET",status="200"} 1000',
        'http_request_duration_seconds_bucket{path="/v1/chat/completions",le="0.5"} 50',
        'http_request_duration_seconds_bucket{path="/v1/embeddings",le="0.5"} 10',
        'http_request_duration_seconds_bucket{path="/health",le="0.5"} 1000',
        'http_request_duration_seconds_bucket{path="/v1/chat/completions",le="+Inf"} 90',
      ].join('\n'),
      1000,
    );
    assert.equal(sample.requests, 100);
    assert.equal(sample.errors, 10);
    assert.deepEqual(
      [...sample.buckets.entries()],
      [
        [0.5, 60],
        [Infinity, 90],
      ],
    );
  });

  it('rates between two scrapes; a restarted node (counters lower) counts from zero', () => {
    const before = {
      at: 0,
      requests: 100,
      errors: 0,
      buckets: new Map([
        [0.1, 50],
        [1, 100],
        [Infinity, 100],
      ]),
    };
    const after = {
      at: 2000,
      requests: 300,
      errors: 2,
      buckets: new Map([
        [0.1, 150],
        [1, 300],
        [Infinity, 300],
      ]),
    };
    assert.deepEqual(ratesBetween(before, after), { requests_per_s: 100, error_rate: 0.01, p50_ms: 100, p99_ms: 982, window_s: 2 });
    const restarted = {
      at: 4000,
      requests: 20,
      errors: 0,
      buckets: new Map([
        [0.1, 20],
        [1, 20],
        [Infinity, 20],
      ]),
    };
    assert.equal(ratesBetween(after, restarted)?.requests_per_s, 10);
    assert.equal(ratesBetween(undefined, after), null);
  });

  it('a quantile interpolates inside its bucket, and is null without requests', () => {
    assert.equal(
      quantileMs(
        [
          [0.1, 0],
          [0.2, 10],
          [Infinity, 10],
        ],
        0.5,
      ),
      150,
    );
    assert.equal(
      quantileMs(
        [
          [0.1, 0],
          [Infinity, 0],
        ],
        0.5,
      ),
      null,
    );
  });

  it('scrapes at most once per interval whatever the number of viewers', async () => {
    let now = 0;
    let scrapes = 0;
    const collector = new NodeMetricsCollector(
      async () => {
        scrapes++;
        return 'http_requests_total{path="/v1/x",status="200"} 1';
      },
      2000,
      () => now,
    );
    const nodes = [{ id: 'a', ip: '10.0.0.1' }];
    await collector.collect(nodes);
    await collector.collect(nodes);
    now = 2500;
    await Promise.all([collector.collect(nodes), collector.collect(nodes)]);
    assert.equal(scrapes, 2);
  });

  it('scrapes a node over HTTP, IPv6 addresses included, and refuses an answer past the size cap unread', async () => {
    const small = await serveMetrics('127.0.0.1', 200);
    const huge = await serveMetrics('127.0.0.1', 64 * 1024);
    const v6 = await serveMetrics('::1', 200);
    try {
      const text = await createHttpMetricsScraper(small.port)('127.0.0.1');
      assert.equal(parseMetricsText(text ?? '', 0).requests, 7);
      assert.equal(await createHttpMetricsScraper(huge.port, 1500, 16 * 1024)('127.0.0.1'), undefined, 'past the cap: no text');
      assert.equal(parseMetricsText((await createHttpMetricsScraper(v6.port)('::1')) ?? '', 0).requests, 7, 'an IPv6 node');
      assert.equal(await createHttpMetricsScraper(small.port)('127.0.0.2'), undefined, 'nothing listening there');
    } finally {
      for (const { server } of [small, huge, v6]) server.close();
    }
  });
});
