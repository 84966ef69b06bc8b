import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { buildCohereToolCall, startCohereUpstream, type CohereUpstream } from '../../../support/cohere-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const KEY = 'co-test-key-0123456789abcdef';

describe('cohere provider through the node (official openai client)', () => {
  let cohere: CohereUpstream;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    cohere = await startCohereUpstream(KEY);
    gw = await startGateway(
      { providers: { cohere: { keys: [{ name: 'c', value: KEY, models: ['*'], weight: 1 }], network_config: { base_url: cohere.url } } } },
      { sleep: instantSleep },
    );
    client = gw.openai();
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });
  beforeEach(() => {
    cohere.requests.length = 0;
  });

  it('answers a JSON chat through /v2/chat with Bearer auth', async () => {
    const completion = await client.chat.completions.create({
      model: 'cohere/command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello cohere' },
      ],
      max_tokens: 30,
    });
    assert.equal(completion.choices[0]?.message.content, 'echo: hello cohere');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    const sent = cohere.requests[0];
    assert.equal(sent?.path, '/v2/chat');
    assert.equal(sent?.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent?.body.messages[0], { role: 'system', content: 'Be brief.' });
    assert.equal(sent?.body.model, 'command-a-03-2025');
    assert.equal(sent?.body.max_tokens, 30);
  });

  it('streams text with the openai client', async () => {
    const stream = await client.chat.completions.create({
      model: 'cohere/command-a-03-2025',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'echo: stream please');
    assert.equal(finish, 'stop');
    assert.equal(cohere.requests[0]?.body.stream, true);
  });

  it('streams usage in a last chunk with no choices when include_usage is asked for, as OpenAI does', async () => {
    const stream = await client.chat.completions.create({
      model: 'cohere/command-a-03-2025',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'echo: count me');
    const [finish, last] = chunks.slice(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    assert.equal(chunks.filter((chunk) => chunk.usage).length, 1);
  });

  it('returns tool calls, JSON and streamed', async () => {
    const reply = buildCohereToolCall('get_weather_abc', 'get_weather', { location: 'Toronto' });
    cohere.enqueue({ kind: 'response', response: reply }, { kind: 'response', response: reply });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ];
    const json = await client.chat.completions.create({
      model: 'cohere/command-r',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
      tool_choice: 'required',
    });
    const call = json.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.deepEqual([call.id, call.function.name, JSON.parse(call.function.arguments)], ['get_weather_abc', 'get_weather', { location: 'Toronto' }]);
    assert.equal(json.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(cohere.requests[0]?.body.tool_choice, 'REQUIRED');

    const final = await client.chat.completions
      .stream({ model: 'cohere/command-r', messages: [{ role: 'user', content: 'weather?' }], tools })
      .finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.deepEqual(JSON.parse(streamed.function.arguments), { location: 'Toronto' });
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it("passes Cohere's error status and message through", async () => {
    cohere.enqueue({ kind: 'error', status: 400, message: 'invalid request: message must be at least 1 token long' });
    await assert.rejects(client.chat.completions.create({ model: 'cohere/command-r', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /at least 1 token/);
      return true;
    });
  });

  it('embeds texts through /v2/embed with float embedding types', async () => {
    const result = await client.embeddings.create({ model: 'cohere/embed-v4.0', input: ['hello', 'goodbye'], encoding_format: 'float' });
    assert.deepEqual(
      result.data.map((item) => item.embedding),
      [
        [5, 104, 0.25],
        [7, 103, 0.25],
      ],
    );
    const sent = cohere.requests[0];
    assert.equal(sent?.path, '/v2/embed');
    assert.deepEqual(sent?.body, { model: 'embed-v4.0', texts: ['hello', 'goodbye'], input_type: 'search_document', embedding_types: ['float'] });
  });

  it('gives the openai client base64 embeddings it can decode (its default)', async () => {
    const result = await client.embeddings.create({ model: 'cohere/embed-v4.0', input: 'hi' });
    const vector = result.data[0]?.embedding ?? [];
    assert.equal(vector.length, 3);
    assert.equal(vector[0], 2);
    assert.equal(vector[2], 0.25);
  });
});
