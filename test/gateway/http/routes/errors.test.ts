import assert from 'node:assert/strict';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

interface Envelope {
  is_bifrost_error: boolean;
  status_code: number;
  error: { type: string; code: string | null; message: string; param: string | null };
  extra_fields: Record<string, unknown>;
}

describe('request errors (Bifrost envelope)', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway(providerConfig(upstream.url, { client: { max_request_body_size_mb: 0.001 } }));
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  async function send(body: string, path = '/v1/chat/completions'): Promise<{ status: number; body: Envelope }> {
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, body: (await response.json()) as Envelope };
  }

  const cases: [string, string, string][] = [
    ['invalid JSON', '{"model": "openai/m",', 'invalid_json'],
    ['a body that is not an object', '[1,2]', 'invalid_request'],
    ['a missing model', '{"messages":[{"role":"user","content":"x"}]}', 'invalid_request'],
    ['a model without a provider', '{"model":"gpt-4o","messages":[{"role":"user","content":"x"}]}', 'invalid_request'],
    ['an unknown provider', '{"model":"nope/gpt-4o","messages":[{"role":"user","content":"x"}]}', 'unknown_provider'],
    ['missing messages', '{"model":"openai/m"}', 'invalid_request'],
    ['fallbacks that are not strings', '{"model":"openai/m","messages":[{"role":"user","content":"x"}],"fallbacks":[1]}', 'invalid_request'],
  ];
  for (const [what, body, code] of cases) {
    it(`answers 400 ${code} for ${what}`, async () => {
      const answer = await send(body);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.is_bifrost_error, true);
      assert.equal(answer.body.status_code, 400);
      assert.equal(answer.body.error.code, code);
      assert.ok(answer.body.error.message.length > 0);
      assert.ok(!JSON.stringify(answer.body).includes('    at '), 'no stack trace');
    });
  }

  it('answers 413 beyond client.max_request_body_size_mb without calling the upstream', async () => {
    const big = JSON.stringify({ model: 'openai/m', messages: [{ role: 'user', content: 'x'.repeat(4000) }] });
    const answer = await send(big);
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error.code, 'body_too_large');
    assert.equal(upstream.requests.length, 0);
  });

  it('answers 404 in the envelope for an unknown path', async () => {
    const answer = await send('{}', '/v1/nothing-here');
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'not_found');
  });

  it("passes the upstream's status and message through, marked as not the gateway's", async () => {
    upstream.enqueue({
      status: 401,
      errorBody: { error: { message: 'Incorrect API key provided: sk-test-0123456789abcdef', type: 'invalid_request_error', code: 'invalid_api_key' } },
    });
    const answer = await send('{"model":"openai/m","messages":[{"role":"user","content":"x"}]}');
    assert.equal(answer.status, 401);
    assert.equal(answer.body.is_bifrost_error, false);
    assert.equal(answer.body.error.code, 'invalid_api_key');
    assert.equal(answer.body.extra_fields.provider, 'openai');
    assert.ok(!answer.body.error.message.includes('sk-test-0123456789abcdef'), 'the key is redacted');
  });
});
