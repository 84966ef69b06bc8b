import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { defaultAzureStream, startAzureUpstream, type AzureUpstream } from '../../../support/azure-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const API_KEY = 'azure-key-0123456789abcdef0123';

describe('azure through the node with the official openai client', () => {
  let upstream: AzureUpstream;
  let gateway: RunningGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startAzureUpstream(API_KEY);
    gateway = await startGateway(
      {
        providers: {
          azure: {
            keys: [
              {
                name: 'azure-east',
                value: 'env.AZURE_API_KEY',
                models: ['*'],
                weight: 1,
                azure_key_config: {
                  endpoint: 'https://contoso.openai.azure.com',
                  api_version: '2024-10-21',
                  deployments: { 'gpt-4o': 'contoso-gpt4o', 'text-embedding-3-small': 'contoso-embed' },
                },
              },
            ],
            network_config: { base_url: upstream.url },
          },
        },
      },
      { env: { AZURE_API_KEY: API_KEY } },
    );
    client = gateway.openai();
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.setHandler((request) => {
      throw new Error(`unexpected ${request.operation}`);
    });
  });

  it('answers a chat completion from the mapped deployment', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      body: {
        id: 'chatcmpl-az',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour' }, finish_reason: 'stop', content_filter_results: {} }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      },
    }));
    const completion = await client.chat.completions.create({
      model: 'azure/gpt-4o',
      messages: [{ role: 'user', content: 'Say hello in French' }],
      temperature: 0,
    });
    assert.equal(completion.choices[0]?.message.content, 'Bonjour');
    assert.deepEqual(completion.usage, { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 });
    const seen = upstream.requests[0];
    assert.equal(seen?.deployment, 'contoso-gpt4o');
    assert.equal(seen?.apiVersion, '2024-10-21');
    assert.equal(seen?.headers['api-key'], API_KEY);
    assert.equal(seen?.body.temperature, 0);
  });

  it('streams from the deployment, the client seeing only chunks with choices and then the end', async () => {
    upstream.setHandler((request) => ({ kind: 'sse', events: defaultAzureStream(request.deployment, ['Hi', ' there']) }));
    const stream = await client.chat.completions.create({ model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      assert.equal(chunk.choices.length, 1);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'Hi there');
    assert.equal(finish, 'stop');
  });

  it('returns tool calls as Azure sends them', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      body: {
        id: 'chatcmpl-t',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
    }));
    const completion = await client.chat.completions.create({
      model: 'azure/gpt-4o',
      messages: [{ role: 'user', content: 'look up x' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
    });
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'lookup');
    assert.equal((upstream.requests[0]?.body.tools as unknown[]).length, 1);
  });

  it('returns embeddings (the client default base64 passes through and decodes)', async () => {
    upstream.setHandler((request) => {
      const values = [0.25, -2, 8];
      const bytes = Buffer.alloc(12);
      values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
      return {
        kind: 'json',
        body: {
          object: 'list',
          model: 'text-embedding-3-small',
          data: [{ object: 'embedding', index: 0, embedding: request.body.encoding_format === 'base64' ? bytes.toString('base64') : values }],
          usage: { prompt_tokens: 2, total_tokens: 2 },
        },
      };
    });
    const response = await client.embeddings.create({ model: 'azure/text-embedding-3-small', input: 'hello' });
    assert.deepEqual(Array.from(response.data[0]?.embedding ?? []), [0.25, -2, 8]);
    assert.equal(upstream.requests[0]?.deployment, 'contoso-embed');
    assert.equal(upstream.requests[0]?.operation, 'embeddings');
  });

  it('answers a legacy text completion from the deployment named after the model', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      body: {
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1,
        model: 'gpt-35-turbo-instruct',
        choices: [{ index: 0, text: ' world', finish_reason: 'stop', logprobs: null }],
      },
    }));
    const completion = await client.completions.create({ model: 'azure/gpt-35-turbo-instruct', prompt: 'Hello' });
    assert.equal(completion.choices[0]?.text, ' world');
    assert.equal(upstream.requests[0]?.deployment, 'gpt-35-turbo-instruct');
  });

  it("passes Azure's errors to the client with their status", async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      status: 404,
      body: { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } },
    }));
    try {
      await client.chat.completions.create({ model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'x' }] });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 404);
      assert.equal((error.error as { code?: string }).code, 'DeploymentNotFound');
      assert.ok(!JSON.stringify(error.error).includes(API_KEY));
    }
  });
});
