import assert from 'node:assert/strict';
import { loadConfigBytes, type ProviderSettings } from '../../../../shared/config/index.js';
import { azureAdapter } from '../../../../gateway/providers/azure/index.js';
import type { ChatChunk } from '../../../../gateway/providers/chat-types.js';
import type { UpstreamTarget } from '../../../../gateway/providers/types.js';
import { startAzureUpstream, type AzureUpstream } from '../../../support/azure-upstream.js';
import { Cancellation } from '../../../../gateway/core/cancellation.js';
import { caughtGatewayError } from '../../../support/caught-gateway-error.js';

const API_KEY = 'azure-test-key-0123456789abcdef';

function azureProvider(baseUrl: string | undefined, keyConfig: Record<string, unknown> = {}, value = API_KEY): ProviderSettings {
  const { config } = loadConfigBytes(
    JSON.stringify({
      providers: {
        azure: {
          keys: [{ name: 'k', value, models: ['*'], weight: 1, azure_key_config: { endpoint: 'https://my-resource.openai.azure.com/', ...keyConfig } }],
          ...(baseUrl ? { network_config: { base_url: baseUrl } } : {}),
        },
      },
    }),
    {},
  );
  return config.providers.get('azure') as ProviderSettings;
}

function targetFor(provider: ProviderSettings, model: string): UpstreamTarget {
  return {
    provider,
    key: provider.keys[0],
    model,
    baseUrl: provider.baseUrlOverride ?? (azureAdapter.defaultBaseUrl(provider, provider.keys[0]) as string),
    extraHeaders: {},
    clientHeaders: {},
    signal: new Cancellation(),
    timeoutMs: 10_000,
    requestId: 'r1',
  };
}

describe('azure adapter against a local Azure OpenAI resource', () => {
  let upstream: AzureUpstream;
  beforeEach(async () => {
    upstream = await startAzureUpstream(API_KEY);
  });
  afterEach(() => upstream.close());

  it('calls the mapped deployment with api-key and the default api-version', async () => {
    const provider = azureProvider(upstream.url, { deployments: { 'gpt-4o': 'prod-gpt4o' } });
    const response = await azureAdapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'gpt-4o'));
    assert.equal(response.choices[0]?.message.content, 'Hello from prod-gpt4o');
    assert.deepEqual(response.usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    const seen = upstream.requests[0];
    assert.equal(seen?.deployment, 'prod-gpt4o');
    assert.equal(seen?.operation, 'chat/completions');
    assert.equal(seen?.apiVersion, '2024-10-21');
    assert.equal(seen?.headers.authorization, undefined);
    assert.deepEqual(seen?.body.messages, [{ role: 'user', content: 'Hi' }]);
  });

  it('uses aliases, then the model name, as the deployment, and the key api_version', async () => {
    const provider = azureProvider(upstream.url, { aliases: { small: 'mini-deploy' }, api_version: '2025-01-01-preview' });
    await azureAdapter.chat({ model: 'small', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'small'));
    await azureAdapter.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'gpt-4o-mini'));
    assert.deepEqual(
      upstream.requests.map((r) => [r.deployment, r.apiVersion]),
      [
        ['mini-deploy', '2025-01-01-preview'],
        ['gpt-4o-mini', '2025-01-01-preview'],
      ],
    );
  });

  it('speaks the versionless v1 API when api_version is "v1", routing by the deployment in the body', async () => {
    const provider = azureProvider(upstream.url, { api_version: 'v1', deployments: { 'gpt-4o': 'prod-gpt4o' } });
    const response = await azureAdapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'gpt-4o'));
    assert.equal(response.choices[0]?.message.content, 'Hello from prod-gpt4o');
    assert.equal(upstream.requests[0]?.apiVersion, 'v1');
    assert.equal(upstream.requests[0]?.body.model, 'prod-gpt4o');
  });

  it('defaults to the key endpoint as origin', () => {
    const provider = azureProvider(undefined);
    assert.equal(azureAdapter.defaultBaseUrl(provider, provider.keys[0]), 'https://my-resource.openai.azure.com');
    const url = new URL(targetFor(provider, 'gpt-4o').baseUrl);
    assert.equal(url.host, 'my-resource.openai.azure.com');
  });

  it('streams chunks, dropping the prompt-filter chunk that has no choices', async () => {
    const stream = await azureAdapter.chatStream(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
      targetFor(azureProvider(upstream.url), 'gpt-4o'),
    );
    const chunks: ChatChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((chunk) => chunk.choices.length === 1));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Hello from Azure');
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'stop');
    assert.equal(upstream.requests[0]?.body.stream, true);
  });

  it('keeps a usage chunk with no choices when the client asked for usage', async () => {
    upstream.setHandler(() => ({
      kind: 'sse',
      events: [
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] },
        {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-4o',
          choices: [],
          usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
        },
        '[DONE]',
      ],
    }));
    const stream = await azureAdapter.chatStream(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } },
      targetFor(azureProvider(upstream.url), 'gpt-4o'),
    );
    const chunks: ChatChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.deepEqual(chunks[1]?.usage, { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
  });

  it('calls the embeddings and completions deployments', async () => {
    const provider = azureProvider(upstream.url, { deployments: { 'text-embedding-3-small': 'embed-deploy' } });
    const embeddings = await azureAdapter.capabilities.embeddings!.embed(
      { model: 'text-embedding-3-small', input: ['ab', 'cde'] },
      targetFor(provider, 'text-embedding-3-small'),
    );
    assert.deepEqual(
      embeddings.data.map((item) => item.embedding),
      [
        [2, 0.5, -1],
        [3, 0.5, -1],
      ],
    );
    assert.equal(upstream.requests[0]?.deployment, 'embed-deploy');
    assert.equal(upstream.requests[0]?.operation, 'embeddings');
    const completion = await azureAdapter.capabilities.text!.complete({ model: 'instruct', prompt: 'Hello' }, targetFor(provider, 'instruct'));
    assert.equal(completion.choices[0]?.text, ' world');
    assert.equal(upstream.requests[1]?.operation, 'completions');
  });

  it('passes Azure errors on with their status and message, without the key', async () => {
    const wrong = await caughtGatewayError(
      azureAdapter.chat(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
        targetFor(azureProvider(upstream.url, {}, 'wrong-key-0000000000000'), 'gpt-4o'),
      ),
    );
    assert.equal(wrong.status, 401);
    assert.match(wrong.message, /Access denied/);
    upstream.setHandler(() => ({
      kind: 'json',
      status: 400,
      body: {
        error: { code: 'content_filter', message: 'The response was filtered due to the prompt triggering content management policy.', param: 'prompt' },
      },
    }));
    const filtered = await caughtGatewayError(
      azureAdapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(azureProvider(upstream.url), 'gpt-4o')),
    );
    assert.equal(filtered.status, 400);
    assert.equal(filtered.upstreamCode, 'content_filter');
    assert.equal(filtered.fromProvider, true);
    upstream.setHandler(() => ({ kind: 'json', status: 429, body: { error: { code: '429', message: 'Rate limit exceeded' } } }));
    const limited = await caughtGatewayError(
      azureAdapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(azureProvider(upstream.url), 'gpt-4o')),
    );
    assert.equal(limited.status, 429);
    assert.equal(limited.retryable, true);
  });

  it('refuses a key without azure_key_config as a configuration error, before calling out', async () => {
    const { config } = loadConfigBytes(
      JSON.stringify({ providers: { azure: { keys: [{ name: 'k', value: API_KEY, models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } } } }),
      {},
    );
    const provider = config.providers.get('azure') as ProviderSettings;
    const error = await caughtGatewayError(azureAdapter.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, targetFor(provider, 'gpt-4o')));
    assert.equal(error.code, 'no_usable_key');
    assert.equal(upstream.requests.length, 0);
  });
});
