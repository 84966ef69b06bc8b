import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startAnthropicUpstream, buildAnthropicMessage, eventsOf, type AnthropicUpstream } from '../../../support/anthropic-upstream.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const KEY = 'sk-ant-test-0123456789abcdef';

describe('anthropic provider through /v1/chat/completions (official openai client)', () => {
  let anthropic: AnthropicUpstream;
  let openaiUpstream: MockUpstream;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    anthropic = await startAnthropicUpstream(KEY);
    openaiUpstream = await MockUpstream.start();
    gw = await startGateway(
      {
        providers: {
          anthropic: { keys: [{ name: 'a', value: KEY, models: ['*'], weight: 1 }], network_config: { base_url: anthropic.url, max_retries: 1 } },
          openai: { keys: [{ name: 'o', value: 'sk-openai-0123456789abcdef', models: ['*'], weight: 1 }], network_config: { base_url: openaiUpstream.url } },
        },
      },
      { sleep: instantSleep },
    );
    client = gw.openai();
  });
  after(async () => {
    await gw.close();
    await anthropic.close();
    await openaiUpstream.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
    openaiUpstream.requests.length = 0;
  });

  it('answers a JSON chat and sends Anthropic its headers, system and default max_tokens', async () => {
    const completion = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    assert.equal(completion.choices[0]?.message.content, 'echo: hello there');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
    const sent = anthropic.requests[0];
    assert.equal(sent?.headers['x-api-key'], KEY);
    assert.equal(sent?.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent?.body.model, 'claude-sonnet-4-5');
    assert.equal(sent?.body.system, 'Be brief.');
    assert.equal(sent?.body.max_tokens, 4096);
  });

  it('reads the nulls an OpenAI client may send for optional fields as absent', async () => {
    const completion = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'nulls' }],
      n: null,
      stop: null,
      temperature: null,
      top_p: null,
      max_tokens: null,
      max_completion_tokens: null,
    });
    assert.equal(completion.choices[0]?.message.content, 'echo: nulls');
    const sent = anthropic.requests[0]?.body;
    assert.deepEqual(Object.keys(sent).sort(), ['max_tokens', 'messages', 'model', 'stream']);
    assert.equal(sent.max_tokens, 4096);
  });

  it("sends a json_schema response format as Anthropic's structured outputs, without a beta header", async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    anthropic.enqueue({ kind: 'message', message: buildAnthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: '{"city":"Oslo"}' }], 'end_turn') });
    const completion = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Capital of Norway?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'capital', schema, strict: true } },
    });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { city: 'Oslo' });
    const sent = anthropic.requests[0];
    assert.deepEqual(sent?.body.output_config, { format: { type: 'json_schema', schema } });
    assert.equal(sent?.headers['anthropic-beta'], undefined);
  });

  it('streams text with the openai client and reports usage at the end', async () => {
    const stream = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'echo: stream me');
    // As OpenAI sends it: the finish chunk, then one with no choices carrying the usage.
    const [finish, last] = chunks.slice(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
    assert.equal(chunks.filter((chunk) => chunk.usage).length, 1);
    assert.equal(anthropic.requests[0]?.body.stream, true);
  });

  it('returns tool calls, JSON and streamed, with finish_reason tool_calls', async () => {
    const toolMessage = buildAnthropicMessage(
      'claude-sonnet-4-5',
      [{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Oslo' } }],
      'tool_use',
    );
    anthropic.enqueue({ kind: 'message', message: toolMessage }, { kind: 'events', events: eventsOf(toolMessage) });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const json = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'weather?' }], tools });
    assert.equal(json.choices[0]?.finish_reason, 'tool_calls');
    const call = json.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.deepEqual([call.id, call.function.name, JSON.parse(call.function.arguments)], ['toolu_9', 'get_weather', { city: 'Oslo' }]);
    assert.equal(anthropic.requests[0]?.body.tools[0].input_schema.properties.city.type, 'string');

    const stream = client.chat.completions.stream({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'weather?' }], tools });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.deepEqual(JSON.parse(streamed.function.arguments), { city: 'Oslo' });
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('streams a tool call without arguments as "{}", which the client can parse', async () => {
    const message = buildAnthropicMessage('claude-sonnet-4-5', [{ type: 'tool_use', id: 'toolu_t', name: 'get_time', input: {} }], 'tool_use');
    // Anthropic streams no input text for a call without arguments (eventsOf would stream "{}").
    const events = eventsOf(message).filter((event) => (event.data as { delta?: { type?: string } }).delta?.type !== 'input_json_delta');
    anthropic.enqueue({ kind: 'events', events });
    const stream = client.chat.completions.stream({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'time?' }],
      tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }],
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.function.name, 'get_time');
    assert.deepEqual(JSON.parse(call.function.arguments), {});
  });

  it("raises Anthropic's rate limit as the client's RateLimitError with Anthropic's message", async () => {
    anthropic.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' });
    anthropic.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' });
    await assert.rejects(
      client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.match(error.message, /per-minute rate limit/);
        return true;
      },
    );
    assert.equal(anthropic.requests.length, 2, 'max_retries 1: one retry');
  });

  it('retries an overloaded (529) answer and then succeeds', async () => {
    anthropic.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const completion = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'again' }] });
    assert.equal(completion.choices[0]?.message.content, 'echo: again');
    assert.equal(anthropic.requests.length, 2);
  });

  it('falls back from anthropic (500 after retries) to openai in one request', async () => {
    anthropic.enqueue(
      { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
    );
    const completion = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hi' }],
      // @ts-expect-error Bifrost's fallbacks field is not in the OpenAI types
      fallbacks: ['openai/gpt-4o-mini'],
    });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    assert.equal(anthropic.requests.length, 2);
    assert.equal(openaiUpstream.requests.length, 1);
    assert.equal(openaiUpstream.requests[0]?.body?.model, 'gpt-4o-mini');
  });

  it('never shows the API key when Anthropic echoes it in an error', async () => {
    anthropic.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: `bad key ${KEY}` });
    await assert.rejects(
      client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.ok(!error.message.includes(KEY));
        return true;
      },
    );
  });
});
