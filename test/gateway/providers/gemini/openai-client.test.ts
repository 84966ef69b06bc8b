import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { loadJsonFixture } from './fixture-helpers.js';
import { JSON_SCHEMA_TOOL_PARAMETERS } from './tool-schemas.js';

const GEMINI_KEY = 'AIzaSy-test-gemini-key-0001';

describe('gemini provider through the official openai client', () => {
  let gemini: GeminiUpstream;
  let openaiUpstream: MockUpstream;
  let gateway: RunningGateway;

  before(async () => {
    gemini = await startGeminiUpstream({ apiKey: GEMINI_KEY });
    openaiUpstream = await MockUpstream.start();
    gateway = await startGateway({
      providers: {
        gemini: { keys: [{ name: 'gemini-key', value: GEMINI_KEY, models: ['*'], weight: 1 }], network_config: { base_url: gemini.url } },
        openai: {
          keys: [{ name: 'openai-key', value: 'sk-test-0123456789abcdef', models: ['*'], weight: 1 }],
          network_config: { base_url: openaiUpstream.url },
        },
      },
    });
  });
  after(async () => {
    await gateway.close();
    await gemini.close();
    await openaiUpstream.close();
  });
  beforeEach(() => {
    gemini.requests.length = 0;
  });

  it('answers a chat completion from Gemini, with usage and the system prompt sent as systemInstruction', async () => {
    const completion = await gateway.openai().chat.completions.create({
      model: 'gemini/gemini-2.0-flash',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'ping' },
      ],
      max_tokens: 20,
    });
    assert.equal(completion.choices[0]?.message.content, 'echo: ping');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const sent = gemini.requests[0];
    assert.equal(sent?.path, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.deepEqual(sent?.body.systemInstruction, { parts: [{ text: 'Be terse.' }] });
    assert.deepEqual(sent?.body.generationConfig, { maxOutputTokens: 20 });
  });

  it('streams a chat completion from Gemini with usage at the end', async () => {
    const stream = await gateway.openai().chat.completions.create({
      model: 'gemini/gemini-2.0-flash',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'echo: stream please');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    assert.equal(gemini.requests[0]?.query.get('alt'), 'sse');
  });

  it('round-trips a tool call: functionCall out as tool_calls, the tool result back as functionResponse', async () => {
    gemini.enqueue({ kind: 'json', body: loadJsonFixture('tool-response.json') });
    const client = gateway.openai();
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
    ];
    const first = await client.chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages: [{ role: 'user', content: 'Paris?' }], tools });
    const message = first.choices[0]?.message;
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    const calls = (message?.tool_calls ?? []) as { id: string; function: { name: string; arguments: string } }[];
    assert.deepEqual(
      calls.map((call) => call.function.name),
      ['get_weather', 'get_time'],
    );

    const second = await client.chat.completions.create({
      model: 'gemini/gemini-2.0-flash',
      tools,
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: null, tool_calls: message?.tool_calls },
        { role: 'tool', tool_call_id: calls[1]?.id ?? '', content: '14:05' },
        { role: 'tool', tool_call_id: calls[0]?.id ?? '', content: '{"temp":21}' },
      ],
    } as Parameters<typeof client.chat.completions.create>[0] & { stream?: false });
    assert.equal(second.choices[0]?.finish_reason, 'stop');
    const sent = gemini.requests[1]?.body;
    assert.deepEqual(
      sent.tools[0].functionDeclarations.map((declaration: { name: string }) => declaration.name),
      ['get_weather', 'get_time'],
    );
    assert.deepEqual(sent.contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
        { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
      ],
    });
  });

  it('takes tool schemas in full JSON Schema (type arrays, const, $ref), JSON and streaming', async () => {
    const client = gateway.openai();
    const tools = [{ type: 'function' as const, function: { name: 'configure', parameters: JSON_SCHEMA_TOOL_PARAMETERS } }];
    const messages = [{ role: 'user' as const, content: 'set it' }];
    const completion = await client.chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages, tools });
    assert.equal(completion.choices[0]?.message.content, 'echo: set it');
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages, tools, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'echo: set it');
    for (const request of gemini.requests) {
      assert.deepEqual(request.body.tools[0].functionDeclarations[0].parametersJsonSchema, JSON_SCHEMA_TOOL_PARAMETERS);
    }
  });

  it('streams a blocked prompt as a content_filter finish, with usage when asked', async () => {
    gemini.enqueue({
      kind: 'sse',
      events: [{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, responseId: 'r-blocked' }],
    });
    const stream = await gateway.openai().chat.completions.create({
      model: 'gemini/gemini-2.0-flash',
      messages: [{ role: 'user', content: 'something blocked' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const finishes: (string | null)[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) finishes.push(choice.finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    assert.deepEqual(finishes, [null, 'content_filter']);
    assert.deepEqual(usage, { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
  });

  it("passes Gemini's error status and message to the client", async () => {
    gemini.enqueue({ kind: 'json', status: 400, body: loadJsonFixture('error-invalid-argument.json') });
    await assert.rejects(
      gateway.openai().chat.completions.create({ model: 'gemini/gemini-2.0-flash', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof APIError && error.status === 400 && /contents is not specified/.test(error.message),
    );
  });

  it('embeds with Gemini through /v1/embeddings', async () => {
    const response = await gateway.openai().embeddings.create({ model: 'gemini/text-embedding-004', input: ['hi', 'there'], encoding_format: 'float' });
    assert.deepEqual(
      response.data.map((item) => item.embedding),
      [
        [2, 104, 0.5],
        [5, 116, 0.5],
      ],
    );
    assert.equal(gemini.requests[0]?.action, 'batchEmbedContents');
  });

  it('falls back from a failing Gemini to an OpenAI-protocol provider in one request, JSON and streaming', async () => {
    gemini.enqueue({ kind: 'error', status: 500, message: 'Internal error encountered.', googleStatus: 'INTERNAL' });
    const body = { model: 'gemini/gemini-2.0-flash', messages: [{ role: 'user' as const, content: 'hello' }], fallbacks: ['openai/gpt-4o-mini'] };
    const completion = await gateway.openai().chat.completions.create(body);
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    assert.equal((completion as unknown as { extra_fields: { provider: string } }).extra_fields.provider, 'openai');

    gemini.enqueue({ kind: 'error', status: 429, message: 'Resource has been exhausted.', googleStatus: 'RESOURCE_EXHAUSTED' });
    const stream = await gateway.openai().chat.completions.create({ ...body, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    assert.equal(gemini.requests.length, 2);
    assert.equal(openaiUpstream.requests.filter((request) => request.path.endsWith('/chat/completions')).length, 2);
  });
});
