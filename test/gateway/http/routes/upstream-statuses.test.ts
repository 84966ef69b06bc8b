import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { waitFor } from '../../../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

describe('statuses that tell the truth about the upstream', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;
  const slept: number[] = [];

  beforeEach(async () => {
    slept.length = 0;
    upstream = await MockUpstream.start();
    gateway = await startGateway(
      providerConfig(upstream.url, {
        entry: { network_config: { base_url: upstream.url, max_retries: 2, retry_backoff_initial: '10ms', retry_backoff_max: '5s' } },
      }),
      { sleep: async (ms, signal) => (slept.push(ms), instantSleep(ms, signal)) },
    );
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  const post = (body: unknown, path = '/v1/chat/completions'): Promise<Response> =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });

  it('waits as long as a 429 Retry-After asks before retrying, within the backoff budget', async () => {
    upstream.enqueue({ status: 429, headers: { 'retry-after': '2' } }, {});
    const response = await post({ model: 'openai/m', messages: MESSAGES });
    assert.equal(response.status, 200);
    assert.equal(upstream.requests.length, 2);
    assert.ok((slept[0] ?? 0) >= 2000, `waited ${slept[0]} ms`);
  });

  it('passes a Retry-After beyond the budget on to the client at once, on each dialect', async () => {
    upstream.setDefault({ status: 429, headers: { 'retry-after': '30' } });
    const openai = await post({ model: 'openai/m', messages: MESSAGES });
    assert.equal(openai.status, 429);
    assert.equal(openai.headers.get('retry-after'), '30');
    assert.equal(upstream.requests.length, 1, 'no retry the provider asked us not to make');
    const anthropic = await post({ model: 'openai/m', max_tokens: 5, messages: MESSAGES }, '/anthropic/v1/messages');
    assert.equal(anthropic.status, 429);
    assert.equal(anthropic.headers.get('retry-after'), '30');
    const client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0 });
    await assert.rejects(client.messages.create({ model: 'openai/m', max_tokens: 5, messages: MESSAGES }), Anthropic.RateLimitError);
  });

  it('answers an upstream redirect with 502 and a message naming the cause, not an empty 3xx', async () => {
    upstream.enqueue({ status: 301 });
    const response = await post({ model: 'openai/m', messages: MESSAGES });
    assert.equal(response.status, 502);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /HTTP 301, a redirect, which the node does not follow: check network_config\.base_url/);
  });

  it('logs and counts a request its client abandoned as 499, not 404', async () => {
    upstream.setDefault({ delayMs: 5000 });
    const controller = new AbortController();
    const aborting = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/slow', messages: MESSAGES }),
      signal: controller.signal,
    }).catch(() => undefined);
    await upstream.waitForRequests(1);
    controller.abort();
    await aborting;
    await waitFor(() => gateway.logs.some((line) => line.model === 'slow' && line.path === '/v1/chat/completions'));
    const line = gateway.logs.find((entry) => entry.model === 'slow');
    assert.equal(line?.status, 499);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /http_requests_total\{path="\/v1\/chat\/completions",method="POST",status="499"/);
  });
});
