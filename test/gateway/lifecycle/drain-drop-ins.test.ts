import assert from 'node:assert/strict';
import { drainServer } from '../../../gateway/lifecycle/drain.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

describe('drain deadline on the drop-in routes', () => {
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

  /** Sends `body` to `path` while the provider hangs, passes the drain deadline, and returns the answer. */
  async function answerAtDeadline(path: string, body: unknown): Promise<{ status: number; body: any }> {
    upstream.enqueue({ delayMs: 30_000 });
    const pending = fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await upstream.waitForRequests(1);
    const drained = await drainServer({ server: gateway.server, lifecycle: gateway.deps.lifecycle, logger: gateway.deps.logger, timeoutMs: 50, graceMs: 200 });
    assert.equal(drained.timedOut, true);
    const response = await pending;
    return { status: response.status, body: await response.json() };
  }

  it("answers an Anthropic client still waiting with a retryable 5xx saying the node shut down, in Anthropic's shape (not 499)", async () => {
    const answer = await answerAtDeadline('/anthropic/v1/messages', { model: 'openai/m', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.type, 'error');
    assert.equal(answer.body.error.type, 'api_error');
    assert.match(answer.body.error.message, /shut down/);
  });

  it("answers a Gemini client still waiting with a retryable 5xx saying the node shut down, in Google's shape (not 499)", async () => {
    const answer = await answerAtDeadline('/genai/v1beta/models/openai%2Fm:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error.code, 502);
    assert.match(answer.body.error.message, /shut down/);
  });
});
