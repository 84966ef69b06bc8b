import type { MetricsScraper } from '../../../reloader/http/node-metrics.js';

/** A scraper whose nodes each serve a steady, slightly different load (for the page's figures). */
export function fakeNodeMetrics(): MetricsScraper {
  const started = Date.now();
  return async (ip) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = 20 + Number(ip.split('.').pop() ?? 0);
    const total = Math.round(seconds * rate);
    const errors = Math.round(total * 0.01);
    return [
      `http_requests_total{path="/v1/chat/completions",method="POST",status="200"} ${total - errors}`,
      `http_requests_total{path="/v1/chat/completions",method="POST",status="502"} ${errors}`,
      `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="0.1"} ${Math.round(total * 0.3)}`,
      `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="0.5"} ${Math.round(total * 0.9)}`,
      `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="2.5"} ${total}`,
      `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="+Inf"} ${total}`,
    ].join('\n');
  };
}
