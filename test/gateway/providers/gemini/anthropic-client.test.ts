import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { loadJsonFixture } from './fixture-helpers.js';

const GEMINI_KEY = 'AIzaSy-anthropic-sdk-key-0002';

describe('gemini through the node with the official @anthropic-ai/sdk', () => {
  let upstream: GeminiUpstream;
  let gateway: RunningGateway;
  let client: Anthropic;

  before(async () => {
    upstream = await startGeminiUpstream({ apiKey: GEMINI_KEY });
    gateway = await startGateway({
      providers: { gemini: { keys: [{ name: 'g', value: GEMINI_KEY, models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } } },
    });
    client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers a Messages request from Gemini', async () => {
    const message = await client.messages.create({
      model: 'gemini/gemini-2.0-flash',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'echo: Hello' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 7);
    assert.equal(message.usage.output_tokens, 3);
    const sent = upstream.requests.at(-1);
    assert.deepEqual(sent?.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.equal(sent?.body.generationConfig.maxOutputTokens, 64);
  });

  it('streams Gemini as Anthropic events', async () => {
    const stream = client.messages.stream({ model: 'gemini/gemini-2.0-flash', max_tokens: 64, messages: [{ role: 'user', content: 'stream' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    assert.equal(text, 'echo: stream');
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('returns a Gemini function call as a tool_use block', async () => {
    upstream.enqueue({ kind: 'json', body: loadJsonFixture('tool-response.json') });
    const message = await client.messages.create({
      model: 'gemini/gemini-2.0-flash',
      max_tokens: 64,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(message.stop_reason, 'tool_use');
    const uses = message.content.filter((block) => block.type === 'tool_use');
    assert.deepEqual(
      uses.map((block) => [block.name, block.input]),
      [
        ['get_weather', { location: 'Paris', unit: 'celsius' }],
        ['get_time', { timezone: 'Europe/Paris' }],
      ],
    );
  });

  it("raises Gemini's rate limit as the SDK's RateLimitError", async () => {
    upstream.enqueue({ kind: 'json', status: 429, body: loadJsonFixture('error-rate-limit.json') });
    await assert.rejects(
      client.messages.create({ model: 'gemini/gemini-2.0-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.RateLimitError && /exhausted/.test(error.message),
    );
  });
});
