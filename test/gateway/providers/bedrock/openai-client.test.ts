import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startAzureUpstream, type AzureUpstream } from '../../../support/azure-upstream.js';
import { converseText, encodeEvent, startBedrockUpstream, type BedrockUpstream } from '../../../support/bedrock-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { TEST_CREDS } from './fixtures.js';

const MODEL = 'bedrock/anthropic.claude-3-haiku-20240307-v1:0';

function bedrockEntry(baseUrl: string, secretKey = TEST_CREDS.secretKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    keys: [
      {
        name: 'aws',
        value: '',
        models: ['*'],
        weight: 1,
        bedrock_key_config: {
          region: TEST_CREDS.region,
          access_key: 'env.AWS_ACCESS_KEY_ID',
          secret_key: secretKey,
          session_token: TEST_CREDS.sessionToken,
        },
      },
    ],
    network_config: { base_url: baseUrl },
    ...extra,
  };
}

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    return error;
  }
  assert.fail('expected an API error');
}

describe('bedrock through the node with the official openai client', () => {
  let upstream: BedrockUpstream;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeEach(async () => {
    upstream = await startBedrockUpstream(TEST_CREDS);
    gateway = await startGateway({ providers: { bedrock: bedrockEntry(upstream.url) } }, { env: { AWS_ACCESS_KEY_ID: TEST_CREDS.accessKey } });
    client = gateway.openai();
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers a chat completion from Converse, signed with the key resolved from env', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello?' },
      ],
      max_tokens: 64,
    });
    assert.equal(completion.choices[0]?.message.content, 'Hello from Bedrock');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    assert.equal(upstream.requests[0]?.modelId, 'anthropic.claude-3-haiku-20240307-v1:0');
    assert.deepEqual(upstream.requests[0]?.body.system, [{ text: 'Be brief.' }]);
  });

  it('streams ConverseStream as chat chunks, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from Bedrock');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    assert.equal(upstream.requests[0]?.operation, 'converse-stream');
  });

  it('round-trips a tool call: toolUse out, tool result back in', async () => {
    upstream.setHandler((request) =>
      request.body.messages.length === 1
        ? {
            kind: 'json',
            body: {
              output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_w1', name: 'get_weather', input: { city: 'Lyon' } } }] } },
              stopReason: 'tool_use',
              usage: { inputTokens: 20, outputTokens: 10, totalTokens: 30 },
            },
          }
        : converseText('It is 21C in Lyon.'),
    );
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Lyon?' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Lyon' });

    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '21C' });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools });
    assert.equal(second.choices[0]?.message.content, 'It is 21C in Lyon.');
    assert.deepEqual(upstream.requests[1]?.body.messages[2], {
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tooluse_w1', content: [{ text: '21C' }] } }],
    });
  });

  it('answers a follow-up whose history holds tool calls and results when the request offers no tools', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
      { role: 'user', content: 'Summarise that in one line.' },
    ];
    const completion = await client.chat.completions.create({ model: MODEL, messages });
    assert.equal(completion.choices[0]?.message.content, 'Hello from Bedrock');
    const toolConfig = upstream.requests[0]?.body.toolConfig;
    assert.deepEqual(
      toolConfig.tools.map((tool: any) => [tool.toolSpec.name, tool.toolSpec.inputSchema.json]),
      [['get_weather', { type: 'object' }]],
    );
    assert.equal(toolConfig.toolChoice, undefined);
  });

  it('streams a tool call the client can reassemble', async () => {
    upstream.setHandler(() => ({
      kind: 'events',
      frames: [
        encodeEvent('messageStart', { role: 'assistant' }),
        encodeEvent('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_s1', name: 'get_weather' } } }),
        encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city"' } } }),
        encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: ':"Oslo"}' } } }),
        encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
        encodeEvent('messageStop', { stopReason: 'tool_use' }),
        encodeEvent('metadata', { usage: { inputTokens: 5, outputTokens: 6, totalTokens: 11 }, metrics: { latencyMs: 3 } }),
      ],
    }));
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.id, 'tooluse_s1');
    assert.equal(call.function.arguments, '{"city":"Oslo"}');
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('returns embeddings the client decodes from its default base64 encoding', async () => {
    const response = await client.embeddings.create({ model: 'bedrock/amazon.titan-embed-text-v2:0', input: ['a', 'bb'] });
    assert.deepEqual(
      response.data.map((item) => Array.from(item.embedding)),
      [
        [1, 0.5, -0.25],
        [2, 0.5, -0.25],
      ],
    );
    assert.equal(upstream.requests.length, 2);
    assert.deepEqual(upstream.requests[0]?.body, { inputText: 'a' });
  });

  it('passes a Bedrock error to the client with its status in the error envelope', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      status: 400,
      body: { message: 'Malformed input request: messages: expected minimum item count: 1' },
      errorType: 'ValidationException',
    }));
    const error = await apiError(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(error.status, 400);
    const body = error.error as { type?: string; message?: string };
    assert.equal(body.type, 'ValidationException');
    assert.match(String(body.message), /Malformed input request/);
  });

  it('answers 403 to the client when the configured secret does not sign correctly, never echoing it', async () => {
    await gateway.close();
    gateway = await startGateway(
      { providers: { bedrock: bedrockEntry(upstream.url, 'not-the-right-secret-key-000000000000') } },
      { env: { AWS_ACCESS_KEY_ID: TEST_CREDS.accessKey } },
    );
    const error = await apiError(gateway.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(error.status, 403);
    assert.ok(!JSON.stringify(error.error).includes('not-the-right-secret'));
    assert.ok(!JSON.stringify(gateway.logs).includes('not-the-right-secret'));
    assert.equal(upstream.requests.length, 0);
  });

  it('retries a throttled call when max_retries allows, then answers', async () => {
    await gateway.close();
    gateway = await startGateway(
      { providers: { bedrock: bedrockEntry(upstream.url, TEST_CREDS.secretKey, {}) } },
      { env: { AWS_ACCESS_KEY_ID: TEST_CREDS.accessKey }, sleep: instantSleep },
    );
    let calls = 0;
    upstream.setHandler(() =>
      ++calls === 1 ? { kind: 'json', status: 429, body: { message: 'Too many requests' }, errorType: 'ThrottlingException' } : converseText('after retry'),
    );
    const error = await apiError(gateway.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(error.status, 429, 'max_retries defaults to 0: the throttle reaches the client');

    await gateway.close();
    gateway = await startGateway(
      { providers: { bedrock: bedrockEntry(upstream.url, TEST_CREDS.secretKey, { network_config: { base_url: upstream.url, max_retries: 1 } }) } },
      { env: { AWS_ACCESS_KEY_ID: TEST_CREDS.accessKey }, sleep: instantSleep },
    );
    calls = 0;
    const completion = await gateway.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(completion.choices[0]?.message.content, 'after retry');
    assert.equal(calls, 2);
  });
});

describe('a fallback from bedrock to azure in one request', () => {
  let bedrock: BedrockUpstream;
  let azure: AzureUpstream;
  let gateway: RunningGateway;

  before(async () => {
    bedrock = await startBedrockUpstream(TEST_CREDS);
    azure = await startAzureUpstream('azure-key-for-fallback-test');
    gateway = await startGateway(
      {
        providers: {
          bedrock: bedrockEntry(bedrock.url),
          azure: {
            keys: [
              {
                name: 'az',
                value: 'azure-key-for-fallback-test',
                models: ['*'],
                weight: 1,
                azure_key_config: { endpoint: 'https://x.openai.azure.com', deployments: { 'gpt-4o': 'gpt4o-prod' } },
              },
            ],
            network_config: { base_url: azure.url },
          },
        },
      },
      { env: { AWS_ACCESS_KEY_ID: TEST_CREDS.accessKey } },
    );
  });
  after(async () => {
    await gateway.close();
    await bedrock.close();
    await azure.close();
  });

  it('answers from azure when bedrock is unavailable, streaming and not', async () => {
    bedrock.setHandler(() => ({ kind: 'json', status: 503, body: { message: 'Service unavailable' }, errorType: 'ServiceUnavailableException' }));
    const client = gateway.openai();
    const params = { model: MODEL, messages: [{ role: 'user' as const, content: 'Hi' }], fallbacks: ['azure/gpt-4o'] };
    const completion = await client.chat.completions.create(params as OpenAI.ChatCompletionCreateParamsNonStreaming);
    assert.equal(completion.choices[0]?.message.content, 'Hello from gpt4o-prod');
    const stream = await client.chat.completions.create({ ...params, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello from Azure');
    assert.equal(bedrock.requests.length, 2);
    assert.deepEqual(
      azure.requests.map((request) => request.deployment),
      ['gpt4o-prod', 'gpt4o-prod'],
    );
  });
});
