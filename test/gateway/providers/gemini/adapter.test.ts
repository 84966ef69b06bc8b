import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { geminiAdapter } from '../../../../gateway/providers/gemini/index.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { collect, loadJsonFixture, upstreamTarget } from './fixture-helpers.js';

describe('gemini adapter against a Gemini-protocol server', () => {
  let upstream: GeminiUpstream;
  const target = () => upstreamTarget(upstream.url, { value: 'AIza-test-key-123456' });

  beforeEach(async () => {
    upstream = await startGeminiUpstream({ apiKey: 'AIza-test-key-123456' });
  });
  afterEach(async () => {
    await upstream.close();
  });

  it('posts generateContent to /v1beta/models/{model} with the x-goog-api-key header', async () => {
    const response = await geminiAdapter.chat({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi there' }] }, target());
    assert.equal(response.choices[0]?.message.content, 'echo: hi there');
    const request = upstream.requests[0];
    assert.equal(request?.path, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.equal(request?.headers['x-goog-api-key'], 'AIza-test-key-123456');
    assert.deepEqual(request?.body, { contents: [{ role: 'user', parts: [{ text: 'hi there' }] }] });
  });

  it('streams with alt=sse', async () => {
    const chunks = await collect(await geminiAdapter.chatStream({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'stream me' }] }, target()));
    assert.equal(upstream.requests[0]?.query.get('alt'), 'sse');
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'echo: stream me');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  it('throws Google errors with their status and status name, 429 as retryable', async () => {
    upstream.enqueue({ kind: 'json', status: 400, body: loadJsonFixture('error-invalid-argument.json') });
    upstream.enqueue({ kind: 'json', status: 429, body: loadJsonFixture('error-rate-limit.json') });
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    await assert.rejects(geminiAdapter.chat(request, target()), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 400);
      assert.equal(error.type, 'INVALID_ARGUMENT');
      assert.equal(error.upstreamCode, '400');
      assert.equal(error.retryable, false);
      assert.match(error.message, /contents is not specified/);
      return true;
    });
    await assert.rejects(geminiAdapter.chatStream(request, target()), (error: unknown) => {
      return error instanceof GatewayError && error.status === 429 && error.type === 'RESOURCE_EXHAUSTED' && error.retryable;
    });
  });

  it('answers a wrong API key with the provider 400 and never echoes the key', async () => {
    const wrong = upstreamTarget(upstream.url, { value: 'AIza-wrong-key-999999' });
    await assert.rejects(geminiAdapter.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, wrong), (error: unknown) => {
      return error instanceof GatewayError && error.status === 400 && !error.message.includes('AIza-wrong-key-999999');
    });
  });

  it('embeds through batchEmbedContents, one request per input, in order', async () => {
    const embedTarget = upstreamTarget(upstream.url, { value: 'AIza-test-key-123456' }, 'gemini', 'text-embedding-004');
    const response = await geminiAdapter.capabilities.embeddings!.embed({ model: 'text-embedding-004', input: ['abc', 'hello'], dimensions: 3 }, embedTarget);
    const request = upstream.requests[0];
    assert.equal(request?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.deepEqual(request?.body.requests[1], { model: 'models/text-embedding-004', content: { parts: [{ text: 'hello' }] }, outputDimensionality: 3 });
    assert.deepEqual(
      response.data.map((item) => [item.index, item.embedding]),
      [
        [0, [3, 97, 0.5]],
        [1, [5, 104, 0.5]],
      ],
    );
  });

  it('encodes embeddings as base64 float32 when asked', async () => {
    upstream.enqueue({ kind: 'json', body: loadJsonFixture('embed-response.json') });
    const embedTarget = upstreamTarget(upstream.url, { value: 'AIza-test-key-123456' }, 'gemini', 'text-embedding-004');
    const response = await geminiAdapter.capabilities.embeddings!.embed({ model: 'e', input: ['a', 'b'], encoding_format: 'base64' }, embedTarget);
    const decoded = Buffer.from(response.data[1]?.embedding as string, 'base64');
    assert.deepEqual([decoded.readFloatLE(0), decoded.readFloatLE(4), decoded.readFloatLE(8)], [0.5, 0.25, -0.125]);
  });
});
