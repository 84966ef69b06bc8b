import assert from 'node:assert/strict';
import { bedrockAdapter } from '../../../../gateway/providers/bedrock/index.js';
import { callBedrock, readJsonBody } from '../../../../gateway/providers/bedrock/transport.js';
import type { ChatChunk } from '../../../../gateway/providers/chat-types.js';
import { Cancellation } from '../../../../gateway/core/cancellation.js';
import { converseText, encodeEvent, encodeException, startBedrockUpstream, type BedrockUpstream } from '../../../support/bedrock-upstream.js';
import { TEST_CREDS, bedrockProvider, targetFor } from './fixtures.js';
import { caughtGatewayError } from '../../../support/caught-gateway-error.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('bedrock adapter against a SigV4-checking local Bedrock', () => {
  let upstream: BedrockUpstream;
  beforeEach(async () => {
    upstream = await startBedrockUpstream(TEST_CREDS);
  });
  afterEach(() => upstream.close());

  it('calls Converse at /model/{modelId}/converse with a valid signature and the session token', async () => {
    const response = await bedrockAdapter.chat(
      {
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_tokens: 50,
      },
      targetFor(bedrockProvider(upstream.url), MODEL),
    );
    assert.equal(response.choices[0]?.message.content, 'Hello from Bedrock');
    assert.equal(response.model, MODEL);
    const seen = upstream.requests[0];
    assert.equal(seen?.operation, 'converse');
    assert.equal(seen?.modelId, MODEL);
    assert.equal(seen?.rawPath, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    assert.equal(seen?.headers['x-amz-security-token'], TEST_CREDS.sessionToken);
    assert.match(String(seen?.headers.authorization), new RegExp(`Credential=${TEST_CREDS.accessKey}/\\d{8}/eu-west-3/bedrock/aws4_request`));
    assert.deepEqual(seen?.body, {
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 50 },
    });
  });

  it('is refused with 403 when the secret is wrong, without the secret in the error', async () => {
    const provider = bedrockProvider(upstream.url, { secret_key: 'wrong-secret-key-0000000000000000000000' });
    const error = await caughtGatewayError(bedrockAdapter.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, MODEL)));
    assert.equal(error.status, 403);
    assert.equal(error.type, 'AccessDeniedException');
    assert.match(error.message, /signature we calculated does not match/);
    assert.ok(!JSON.stringify({ message: error.message, cause: String(error.cause) }).includes('wrong-secret'));
    assert.equal(upstream.requests.length, 0);
  });

  it('uses the deployment mapped for the model (an inference profile) in the signed path', async () => {
    const provider = bedrockProvider(upstream.url, { deployments: { 'claude-haiku': 'us.anthropic.claude-3-haiku-20240307-v1:0' } });
    await bedrockAdapter.chat({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'claude-haiku'));
    assert.equal(upstream.requests[0]?.modelId, 'us.anthropic.claude-3-haiku-20240307-v1:0');
  });

  it('sends a Bedrock API key as a bearer token when the key has no access key', async () => {
    await upstream.close();
    upstream = await startBedrockUpstream(TEST_CREDS, { bearerToken: 'bedrock-api-key-abcdef123456' });
    const provider = bedrockProvider(upstream.url, { access_key: '', secret_key: '' }, 'bedrock-api-key-abcdef123456');
    const response = await bedrockAdapter.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, MODEL));
    assert.equal(response.choices[0]?.finish_reason, 'stop');
  });

  it('refuses a key with neither access keys nor an API key as a configuration error', async () => {
    const provider = bedrockProvider(upstream.url, { access_key: '', secret_key: '' });
    const error = await caughtGatewayError(bedrockAdapter.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, MODEL)));
    assert.equal(error.code, 'no_usable_key');
    assert.equal(upstream.requests.length, 0);
  });

  it('streams ConverseStream through the binary event stream into chunks', async () => {
    const stream = await bedrockAdapter.chatStream(
      { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] },
      targetFor(bedrockProvider(upstream.url), MODEL),
    );
    const chunks: ChatChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(upstream.requests[0]?.operation, 'converse-stream');
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Hello from Bedrock');
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'stop');
  });

  it('closes the upstream connection when the consumer stops reading mid-stream', async () => {
    upstream.setHandler(() => ({
      kind: 'events',
      frames: [encodeEvent('messageStart', { role: 'assistant' }), encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'partial' } })],
      holdOpen: true,
    }));
    const stream = await bedrockAdapter.chatStream(
      { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] },
      targetFor(bedrockProvider(upstream.url), MODEL),
    );
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content === 'partial') break;
    }
    assert.equal(await upstream.requests[0]?.closed, false, 'the upstream answer was cut, not finished');
  });

  it('throws an exception that arrives as the first stream event before the stream starts, retryable', async () => {
    upstream.setHandler(() => ({ kind: 'events', frames: [encodeException('throttlingException', { message: 'slow down' })] }));
    const error = await caughtGatewayError(
      bedrockAdapter.chatStream({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(bedrockProvider(upstream.url), MODEL)),
    );
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
  });

  it('reports an answer whose body stalls as a timeout (504), as the shared client does, and a client gone mid-body as such', async () => {
    upstream.setHandler(() => ({ ...converseText('never finished'), stallAfterBytes: 10 }));
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const timedOut = await caughtGatewayError(bedrockAdapter.chat(request, { ...targetFor(bedrockProvider(upstream.url), MODEL), timeoutMs: 300 }));
    assert.equal(timedOut.code, 'upstream_timeout');
    assert.equal(timedOut.status, 504);
    assert.equal(timedOut.retryable, true);

    const cancellation = new Cancellation();
    const target = targetFor(bedrockProvider(upstream.url), MODEL, cancellation);
    const response = await callBedrock(target, 'converse', { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
    const body = readJsonBody(response, target);
    cancellation.abort(new Error('client gone'));
    assert.equal((await caughtGatewayError(body)).code, 'client_closed');
  });

  it('passes Bedrock errors on with their status and exception name', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      status: 400,
      body: { message: 'The provided model identifier is invalid.' },
      errorType: 'ValidationException',
    }));
    const error = await caughtGatewayError(
      bedrockAdapter.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(bedrockProvider(upstream.url), MODEL)),
    );
    assert.equal(error.status, 400);
    assert.equal(error.type, 'ValidationException');
    assert.equal(error.message, 'The provided model identifier is invalid.');
    assert.equal(error.fromProvider, true);
    assert.equal(error.retryable, false);
  });

  it('embeds with Titan one InvokeModel call per input, and encodes base64 when asked', async () => {
    const model = 'amazon.titan-embed-text-v2:0';
    const target = targetFor(bedrockProvider(upstream.url), model);
    const response = await bedrockAdapter.capabilities.embeddings!.embed({ model, input: ['one two', 'three'], dimensions: 256 }, target);
    assert.deepEqual(
      upstream.requests.map((request) => [request.rawPath, request.body]),
      [
        ['/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'one two', dimensions: 256 }],
        ['/model/amazon.titan-embed-text-v2%3A0/invoke', { inputText: 'three', dimensions: 256 }],
      ],
    );
    assert.deepEqual(
      response.data.map((item) => item.embedding),
      [
        [7, 0.5, -0.25],
        [5, 0.5, -0.25],
      ],
    );
    assert.deepEqual(response.usage, { prompt_tokens: 3, total_tokens: 3 });

    const encoded = await bedrockAdapter.capabilities.embeddings!.embed({ model, input: 'abc', encoding_format: 'base64' }, target);
    const bytes = Buffer.from(encoded.data[0]?.embedding as string, 'base64');
    assert.deepEqual(
      [0, 1, 2].map((i) => bytes.readFloatLE(i * 4)),
      [3, 0.5, -0.25],
    );
  });

  it('embeds with Cohere on Bedrock in one call, and refuses models it has no body format for', async () => {
    upstream.setHandler((request) => ({
      kind: 'json',
      body: { id: 'e1', embeddings: request.body.texts.map((_: string, i: number) => [i, 1]), response_type: 'embeddings_floats' },
    }));
    const model = 'cohere.embed-english-v3';
    const response = await bedrockAdapter.capabilities.embeddings!.embed({ model, input: ['a', 'b'] }, targetFor(bedrockProvider(upstream.url), model));
    assert.deepEqual(upstream.requests[0]?.body, { texts: ['a', 'b'], input_type: 'search_document' });
    assert.deepEqual(
      response.data.map((item) => item.embedding),
      [
        [0, 1],
        [1, 1],
      ],
    );
    await bedrockAdapter.capabilities.embeddings!.embed({ model, input: 'q', input_type: 'search_query' }, targetFor(bedrockProvider(upstream.url), model));
    assert.deepEqual(upstream.requests[1]?.body, { texts: ['q'], input_type: 'search_query' });
    const error = await caughtGatewayError(
      bedrockAdapter.capabilities.embeddings!.embed({ model: 'meta.llama3', input: 'x' }, targetFor(bedrockProvider(upstream.url), 'meta.llama3')),
    );
    assert.equal(error.status, 400);
  });

  it('defaults to the regional bedrock-runtime origin', () => {
    const provider = bedrockProvider('http://unused');
    assert.equal(bedrockAdapter.defaultBaseUrl(provider, provider.keys[0]), 'https://bedrock-runtime.eu-west-3.amazonaws.com');
  });

  it('decodes the tool-use stream of a real-shaped transcript', async () => {
    upstream.setHandler(() => ({
      kind: 'events',
      frames: [
        encodeEvent('messageStart', { role: 'assistant' }),
        encodeEvent('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_9', name: 'lookup' } } }),
        encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"q":"x"}' } } }),
        encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
        encodeEvent('messageStop', { stopReason: 'tool_use' }),
        encodeEvent('metadata', { usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 }, metrics: { latencyMs: 1 } }),
      ],
    }));
    const stream = await bedrockAdapter.chatStream(
      { model: MODEL, messages: [{ role: 'user', content: 'look up x' }], tools: [{ type: 'function', function: { name: 'lookup' } }] },
      targetFor(bedrockProvider(upstream.url), MODEL),
    );
    const chunks: ChatChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.equal(calls[0]?.id, 'tooluse_9');
    assert.equal(calls.map((call) => call.function?.arguments ?? '').join(''), '{"q":"x"}');
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(upstream.requests[0]?.body.toolConfig, {
      tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object', properties: {} } } } }],
    });
  });
});
