import assert from 'node:assert/strict';
import { MockUpstream } from '../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

/** Each inference route with a body that is valid but for `stream`. */
const ROUTES: [string, Record<string, unknown>, (body: any) => string][] = [
  ['/v1/chat/completions', { model: 'openai/m', messages: [{ role: 'user', content: 'x' }] }, (body) => body.error.message],
  ['/v1/completions', { model: 'openai/m', prompt: 'x' }, (body) => body.error.message],
  ['/v1/embeddings', { model: 'openai/m', input: 'x' }, (body) => body.error.message],
  ['/anthropic/v1/messages', { model: 'openai/m', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, (body) => body.error.message],
  ['/genai/v1beta/models/openai%2Fm:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, (body) => body.error.message],
];

describe('a non-boolean "stream" flag', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway(providerConfig(upstream.url));
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  for (const [path, body, messageOf] of ROUTES) {
    it(`is a 400 naming the field on ${path}, before any upstream work`, async () => {
      upstream.requests.length = 0;
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, stream: 'yes' }),
      });
      assert.equal(response.status, 400);
      assert.match(messageOf(await response.json()), /^stream: must be a boolean/);
      assert.equal(upstream.requests.length, 0);
    });
  }
});
