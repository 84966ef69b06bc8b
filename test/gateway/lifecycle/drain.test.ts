import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { drainServer } from '../../../gateway/lifecycle/drain.js';
import { createGate, MockUpstream } from '../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';
import { waitFor } from '../../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

describe('drainServer', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway(providerConfig(upstream.url));
  });

  afterEach(async () => {
    await gateway.close().catch(() => undefined);
    await upstream.close();
  });

  function drain(timeoutMs: number): Promise<{ timedOut: boolean }> {
    return drainServer({ server: gateway.server, lifecycle: gateway.deps.lifecycle, logger: gateway.deps.logger, timeoutMs, graceMs: 200 });
  }

  it('waits for a request in flight, which then gets its answer', async () => {
    const gate = createGate();
    upstream.enqueue({ gate: gate.promise });
    const stream = await gateway.openai().chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    let drained = false;
    const draining = drain(20_000).then((result) => ((drained = true), result));
    await waitFor(() => gateway.deps.lifecycle.draining);
    assert.equal(drained, false);
    gate.open();
    let chunks = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks++;
    assert.ok(chunks > 0);
    assert.deepEqual(await draining, { timedOut: false });
  });

  it('at the deadline answers a request still waiting for its provider with 502, not 503', async () => {
    upstream.enqueue({ delayMs: 30_000 });
    const pending = gateway
      .openai()
      .chat.completions.create({ model: 'openai/m', messages: MESSAGES })
      .catch((e: unknown) => e);
    await upstream.waitForRequests(1);
    assert.deepEqual(await drain(50), { timedOut: true });
    const error = await pending;
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 502);
    assert.match(error.message, /shut down/);
    await upstream.waitForAbort(0);
  });

  it('answers a request accepted before the drain with Connection: close', async () => {
    upstream.enqueue({ delayMs: 300 });
    const pending = fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }) });
    await upstream.waitForRequests(1);
    const draining = drain(20_000);
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('connection'), 'close');
    await response.text();
    await draining;
  });

  it('logs the drain and stops listening', async () => {
    await drain(1000);
    assert.ok(gateway.logs.some((line) => line.event === 'drain-done'));
    await assert.rejects(fetch(`${gateway.url}/health`));
  });
});
