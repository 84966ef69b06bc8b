import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';

describe('OpenAI endpoints and drop-in prefixes', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway({
      providers: {
        openai: {
          keys: [
            { name: 'a', value: 'sk-endpoints-aaaaaaaaaa', models: ['gpt-4o-mini', 'text-embedding-3-small'], weight: 1 },
            { name: 'b', value: 'sk-endpoints-bbbbbbbbbb', models: ['*'], weight: 1 },
          ],
          network_config: { base_url: upstream.url },
        },
        perplexity: { keys: [{ name: 'p', value: 'pplx-0123456789', models: ['sonar'] }], network_config: { base_url: upstream.url } },
        vllm: { keys: [{ name: 'v', value: '', models: [], vllm_key_config: { url: upstream.url, model_name: 'qwen' } }] },
        'in-house': { keys: [], network_config: { base_url: upstream.url }, custom_provider_config: { base_provider_type: 'openai', is_key_less: true } },
      },
    });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  for (const prefix of ['/v1', '/openai/v1', '/openai']) {
    it(`serves chat completions under ${prefix}`, async () => {
      const client = gateway.openai({ baseURL: `${gateway.url}${prefix}` });
      const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    });
  }

  it('serves /v1/completions', async () => {
    const completion = await gateway.openai().completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'say hi' });
    assert.equal(completion.choices[0]?.text, 'hello from mock');
    assert.equal(upstream.requests.at(-1)?.path, '/v1/completions');
  });

  it('streams /v1/completions', async () => {
    const stream = await gateway.openai().completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'say hi', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, 'text-0 text-1 text-2 ');
  });

  it('serves /v1/embeddings', async () => {
    const result = await gateway.openai().embeddings.create({ model: 'openai/text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    assert.equal(result.data.length, 2);
    assert.deepEqual(result.data[0]?.embedding, [0.1, 0.2, 0.3]);
  });

  it('lists the configured models as provider/model, filtered by ?provider=', async () => {
    const all = await gateway.openai().models.list();
    const ids = all.data.map((model) => model.id).sort();
    assert.deepEqual(ids, ['openai/gpt-4o-mini', 'openai/text-embedding-3-small', 'perplexity/sonar', 'vllm/qwen']);
    const response = await fetch(`${gateway.url}/openai/v1/models?provider=perplexity`);
    const filtered = (await response.json()) as { data: { id: string }[] };
    assert.deepEqual(
      filtered.data.map((model) => model.id),
      ['perplexity/sonar'],
    );
  });

  it("calls perplexity's chat path, which has no /v1", async () => {
    await gateway.openai().chat.completions.create({ model: 'perplexity/sonar', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(upstream.requests.at(-1)?.path, '/chat/completions');
    assert.equal(upstream.requests.at(-1)?.headers.authorization, 'Bearer pplx-0123456789');
  });

  it('refuses embeddings on a provider that has none, with 400', async () => {
    const error = await gateway
      .openai()
      .embeddings.create({ model: 'perplexity/sonar', input: 'x' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError);
  });

  it("sends a vllm request to its key's server, without an Authorization header", async () => {
    await gateway.openai().chat.completions.create({ model: 'vllm/qwen', messages: [{ role: 'user', content: 'x' }] });
    const request = upstream.requests.at(-1);
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.body?.model, 'qwen');
    assert.equal(request?.headers.authorization, undefined);
  });

  it('serves a key-less custom provider declared with custom_provider_config', async () => {
    const completion = await gateway.openai().chat.completions.create({ model: 'in-house/llama-local', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    const request = upstream.requests.at(-1);
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.body?.model, 'llama-local');
    assert.equal(request?.headers.authorization, undefined);
  });

  it('answers CORS preflights and tags responses for allowed origins (client.allowed_origins ["*"])', async () => {
    const preflight = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  });
});
