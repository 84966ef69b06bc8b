import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { encodeEvent, startBedrockUpstream, type BedrockUpstream } from '../../../support/bedrock-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { TEST_CREDS } from './fixtures.js';

const MODEL = 'bedrock/anthropic.claude-3-haiku-20240307-v1:0';

describe('bedrock through the node with the official @anthropic-ai/sdk', () => {
  let upstream: BedrockUpstream;
  let gateway: RunningGateway;
  let client: Anthropic;

  before(async () => {
    upstream = await startBedrockUpstream(TEST_CREDS);
    gateway = await startGateway({
      providers: {
        bedrock: {
          keys: [
            {
              name: 'aws',
              value: '',
              models: ['*'],
              weight: 1,
              bedrock_key_config: {
                region: TEST_CREDS.region,
                access_key: TEST_CREDS.accessKey,
                secret_key: TEST_CREDS.secretKey,
                session_token: TEST_CREDS.sessionToken,
              },
            },
          ],
          network_config: { base_url: upstream.url },
        },
      },
    });
    client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('answers a Messages request from Converse, with the system prompt and max_tokens carried over', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      body: {
        output: { message: { role: 'assistant', content: [{ text: 'Hi from Converse' }] } },
        stopReason: 'max_tokens',
        usage: { inputTokens: 8, outputTokens: 3, totalTokens: 11 },
      },
    }));
    const message = await client.messages.create({ model: MODEL, max_tokens: 3, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hi from Converse' }]);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.input_tokens, 8);
    assert.equal(message.usage.output_tokens, 3);
    const body = upstream.requests[0]?.body;
    assert.deepEqual(body.system, [{ text: 'Be brief.' }]);
    assert.equal(body.inferenceConfig.maxTokens, 3);
  });

  it('reports cached prompt tokens apart from input_tokens, as Anthropic does', async () => {
    upstream.setHandler(() => ({
      kind: 'json',
      body: {
        output: { message: { role: 'assistant', content: [{ text: 'Cached answer' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 4, outputTokens: 134, totalTokens: 1793, cacheReadInputTokens: 1655, cacheWriteInputTokens: 0 },
      },
    }));
    const message = await client.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Again' }] });
    assert.equal(message.usage.input_tokens, 4);
    assert.equal(message.usage.cache_read_input_tokens, 1655);
    assert.equal(message.usage.output_tokens, 134);
  });

  it('streams ConverseStream as Anthropic events the SDK assembles, tool use included', async () => {
    upstream.setHandler(() => ({
      kind: 'events',
      frames: [
        encodeEvent('messageStart', { role: 'assistant' }),
        encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Looking up.' } }),
        encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
        encodeEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_a1', name: 'get_weather' } } }),
        encodeEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":"Nice"}' } } }),
        encodeEvent('contentBlockStop', { contentBlockIndex: 1 }),
        encodeEvent('messageStop', { stopReason: 'tool_use' }),
        encodeEvent('metadata', { usage: { inputTokens: 9, outputTokens: 7, totalTokens: 16 }, metrics: { latencyMs: 2 } }),
      ],
    }));
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Nice?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, 'tool_use');
    const text = message.content.find((block) => block.type === 'text');
    const tool = message.content.find((block) => block.type === 'tool_use');
    assert.equal(text?.type === 'text' ? text.text : undefined, 'Looking up.');
    assert.ok(tool && tool.type === 'tool_use');
    assert.equal(tool.name, 'get_weather');
    assert.deepEqual(tool.input, { city: 'Nice' });
    assert.equal(upstream.requests[0]?.operation, 'converse-stream');
  });
});
