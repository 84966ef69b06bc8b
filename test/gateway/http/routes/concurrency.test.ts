import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createGate, MockUpstream } from '../../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { waitFor } from '../../../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

describe('per-provider concurrency and queue', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers 429 at once beyond concurrency + buffer_size with drop_excess_requests', async () => {
    const gate = createGate();
    upstream.setDefault({ gate: gate.promise });
    gateway = await startGateway(
      providerConfig(upstream.url, {
        entry: { network_config: { base_url: upstream.url }, concurrency_and_buffer_size: { concurrency: 1, buffer_size: 1 } },
        client: { drop_excess_requests: true },
      }),
    );
    const client = gateway.openai();
    const first = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next();
    const queued = client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    await waitFor(() => gateway.deps.dispatcher.limiterOf('openai')?.queued === 1);
    const refused = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(refused instanceof OpenAI.RateLimitError);
    assert.equal(upstream.requests.length, 1, 'neither the queued nor the refused request reached the upstream yet');
    gate.open();
    for (let next = await iterator.next(); !next.done; next = await iterator.next());
    const answer = await queued;
    assert.equal(answer.choices[0]?.message.content, 'hello from mock');
  });

  it('drops a queued request whose client went away, without calling the upstream for it', async () => {
    const gate = createGate();
    upstream.enqueue({ gate: gate.promise });
    gateway = await startGateway(
      providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url }, concurrency_and_buffer_size: { concurrency: 1, buffer_size: 10 } } }),
    );
    const client = gateway.openai();
    const first = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next();
    const controller = new AbortController();
    const leaving = client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }, { signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => gateway.deps.dispatcher.limiterOf('openai')?.queued === 1);
    controller.abort();
    await leaving;
    await waitFor(() => gateway.deps.dispatcher.limiterOf('openai')?.queued === 0);
    gate.open();
    for (let next = await iterator.next(); !next.done; next = await iterator.next());
    assert.equal(upstream.requests.length, 1);
    await waitFor(() => gateway.deps.lifecycle.inFlight === 0);
  });
});
