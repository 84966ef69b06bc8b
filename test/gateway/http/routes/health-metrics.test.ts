import assert from 'node:assert/strict';
import { fingerprintOf } from '../../../../shared/config/index.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

describe('GET /health and GET /metrics', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;
  let configText: string;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
    configText = JSON.stringify(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 1 } } }));
    gateway = await startGateway(configText, { sleep: async () => undefined });
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('reports ok with the fingerprint of the config bytes, in-flight, node and uptime', async () => {
    const response = await fetch(`${gateway.url}/health`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.config_fingerprint, fingerprintOf(configText));
    assert.equal(body.in_flight, 0);
    assert.equal(body.node, 'test-node');
    assert.equal(typeof body.uptime_s, 'number');
  });

  it('counts an open stream in in_flight', async () => {
    upstream.enqueue({ chunks: 2, gate: new Promise(() => undefined) });
    const controller = new AbortController();
    const stream = await gateway
      .openai()
      .chat.completions.create({ model: 'openai/m', messages: [{ role: 'user', content: 'x' }], stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const body = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
    assert.equal(body.in_flight, 1);
    controller.abort();
  });

  it('turns 503 draining while the node drains, and refuses new work with Connection: close', async () => {
    gateway.deps.lifecycle.beginDrain();
    const health = await fetch(`${gateway.url}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as Record<string, unknown>).status, 'draining');
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('connection'), 'close');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'draining');
    assert.equal(upstream.requests.length, 0);
  });

  it('exposes request, upstream, retry, token and first-token metrics', async () => {
    upstream.enqueue({ status: 429 });
    const client = gateway.openai();
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const _ of stream);
    const response = await fetch(`${gateway.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    const expected = [
      /http_requests_total\{path="\/v1\/chat\/completions",method="POST",status="200",provider="openai",model="gpt-4o-mini"\} 2/,
      /http_request_duration_seconds_count\{[^}]*provider="openai"[^}]*\} 2/,
      /bifrost_upstream_requests_total\{provider="openai",model="gpt-4o-mini",status="429"\} 1/,
      /bifrost_upstream_latency_seconds_count\{provider="openai",model="gpt-4o-mini",status="200"\} 2/,
      /bifrost_success_requests_total\{provider="openai",model="gpt-4o-mini"\} 2/,
      /bifrost_input_tokens_total\{provider="openai",model="gpt-4o-mini"\} 5/,
      /bifrost_output_tokens_total\{provider="openai",model="gpt-4o-mini"\} 4/,
      /bifrost_stream_first_token_latency_seconds_count\{provider="openai",model="gpt-4o-mini"\} 1/,
      /gateway_upstream_retries_total\{provider="openai",model="gpt-4o-mini"\} 1/,
      /gateway_in_flight_requests 0/,
    ];
    for (const pattern of expected) assert.match(text, pattern);
  });

  it('counts failed requests and fallbacks, under "other" for models the node has never had answered', async () => {
    upstream.setDefault({ status: 400 });
    await gateway
      .openai()
      .chat.completions.create({ model: 'openai/m', messages: [{ role: 'user', content: 'x' }], fallbacks: ['openai/m2'] } as never)
      .catch(() => undefined);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(text, /bifrost_error_requests_total\{provider="openai",model="other",status="400"\} 1/);
    assert.match(text, /gateway_fallbacks_total\{provider="openai",model="other"\} 1/);
  });
});
