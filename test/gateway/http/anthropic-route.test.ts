import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { buildAnthropicMessage, eventsOf, startAnthropicUpstream, type AnthropicUpstream } from '../../support/anthropic-upstream.js';
import { buildCohereToolCall, startCohereUpstream, type CohereUpstream } from '../../support/cohere-upstream.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import type { RequestOutcome } from '../../../gateway/request/outcome.js';
import { instantSleep, startGateway, type RunningGateway } from '../../support/start-gateway.js';
import { waitFor } from '../../support/wait-for.js';

const ANTHROPIC_KEY = 'sk-ant-route-0123456789abcdef';
const COHERE_KEY = 'co-route-0123456789abcdef';

describe('POST /anthropic/v1/messages (official @anthropic-ai/sdk)', () => {
  let anthropic: AnthropicUpstream;
  let openaiUpstream: MockUpstream;
  let cohere: CohereUpstream;
  let gw: RunningGateway;
  let client: Anthropic;
  const outcomes: RequestOutcome[] = [];

  before(async () => {
    anthropic = await startAnthropicUpstream(ANTHROPIC_KEY);
    openaiUpstream = await MockUpstream.start();
    cohere = await startCohereUpstream(COHERE_KEY);
    gw = await startGateway(
      {
        providers: {
          anthropic: { keys: [{ name: 'a', value: ANTHROPIC_KEY, models: ['*'], weight: 1 }], network_config: { base_url: anthropic.url } },
          openai: { keys: [{ name: 'o', value: 'sk-openai-0123456789abcdef', models: ['*'], weight: 1 }], network_config: { base_url: openaiUpstream.url } },
          cohere: { keys: [{ name: 'c', value: COHERE_KEY, models: ['*'], weight: 1 }], network_config: { base_url: cohere.url } },
        },
      },
      { sleep: instantSleep, outcomeSinks: [{ record: (outcome) => outcomes.push(outcome) }] },
    );
    client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'client-key-not-used', maxRetries: 0, timeout: 15_000 });
  });
  after(async () => {
    await gw.close();
    await anthropic.close();
    await openaiUpstream.close();
    await cohere.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
    openaiUpstream.requests.length = 0;
    cohere.requests.length = 0;
  });

  describe('to the anthropic provider (native pass-through)', () => {
    it('sends the client body unchanged, with the configured key, and returns the native response', async () => {
      const params = {
        model: 'claude-haiku-4-5',
        max_tokens: 300,
        system: [{ type: 'text' as const, text: 'You are a cat.', cache_control: { type: 'ephemeral' as const } }],
        messages: [{ role: 'user' as const, content: 'meow?' }],
        top_k: 5,
        thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      };
      const message = await client.messages.create(params, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
      assert.equal(message.type, 'message');
      assert.deepEqual(message.content, [{ type: 'text', text: 'echo: meow?' }]);
      assert.equal(message.stop_reason, 'end_turn');
      const sent = anthropic.requests[0];
      assert.deepEqual(sent?.body, { ...params, stream: false });
      assert.equal(sent?.headers['x-api-key'], ANTHROPIC_KEY);
      assert.equal(sent?.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
    });

    it('strips the provider prefix from "anthropic/<model>"', async () => {
      await client.messages.create({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(anthropic.requests[0]?.body.model, 'claude-haiku-4-5');
    });

    it('relays the event stream: text, then a tool_use the SDK assembles', async () => {
      const toolMessage = buildAnthropicMessage(
        'claude-haiku-4-5',
        [
          { type: 'text', text: 'Checking the weather.' },
          { type: 'tool_use', id: 'toolu_42', name: 'get_weather', input: { city: 'Lima', unit: 'c' } },
        ],
        'tool_use',
        { input_tokens: 30, output_tokens: 20 },
      );
      anthropic.enqueue({ kind: 'events', events: eventsOf(toolMessage) });
      const stream = client.messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather in Lima?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const final = await stream.finalMessage();
      assert.equal(text, 'Checking the weather.');
      assert.deepEqual(final.content[1], { type: 'tool_use', id: 'toolu_42', name: 'get_weather', input: { city: 'Lima', unit: 'c' } });
      assert.equal(final.stop_reason, 'tool_use');
      assert.equal(final.usage.output_tokens, 20);
      assert.equal(final.usage.input_tokens, 30);
      assert.equal(anthropic.requests[0]?.body.stream, true);
    });

    it("raises Anthropic's own errors as the SDK's error classes", async () => {
      anthropic.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down' });
      await assert.rejects(
        client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.RateLimitError);
          assert.equal(error.status, 429);
          assert.deepEqual((error.error as { error: unknown }).error, { type: 'rate_limit_error', message: 'slow down' });
          return true;
        },
      );
    });

    it('answers a refusal before the stream started as a plain error the SDK raises by class', async () => {
      anthropic.enqueue({ kind: 'error', status: 403, type: 'permission_error', message: 'key lacks access' });
      const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      await assert.rejects(
        stream.finalMessage(),
        (error: unknown) => error instanceof Anthropic.PermissionDeniedError && /key lacks access/.test(error.message),
      );
    });

    it('relays an error event mid-stream, which the SDK raises after the text before it', async () => {
      const start = eventsOf(buildAnthropicMessage('claude-haiku-4-5', [{ type: 'text', text: 'Partial' }], 'end_turn')).slice(0, 4);
      anthropic.enqueue({
        kind: 'events',
        events: [...start, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }],
      });
      const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /Overloaded/.test(error.message));
      assert.equal(text, 'Part');
    });
    it('records a stream Anthropic ended with an error event as failed with that error, relaying the event once', async () => {
      const start = eventsOf(buildAnthropicMessage('claude-haiku-4-5', [{ type: 'text', text: 'Partial' }], 'end_turn')).slice(0, 4);
      anthropic.enqueue({
        kind: 'events',
        events: [...start, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }],
      });
      const response = await fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'anthropic-error-event' },
        body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      const text = await response.text();
      assert.equal(text.match(/^event: error$/gm)?.length, 1, text);
      assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"Overloaded"\}\}\n\n$/);
      await waitFor(() => outcomes.some((entry) => entry.requestId === 'anthropic-error-event'));
      const outcome = outcomes.find((entry) => entry.requestId === 'anthropic-error-event') as RequestOutcome;
      assert.equal(outcome.succeeded, false);
      assert.deepEqual(outcome.error, { code: 'upstream_error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
      // The tokens message_start reported were spent all the same.
      assert.equal(outcome.inputTokens, 12);
    });

    it('tells the client with an error event when Anthropic ends the stream before message_stop', async () => {
      const cut = eventsOf(buildAnthropicMessage('claude-haiku-4-5', [{ type: 'text', text: 'Partial' }], 'end_turn')).slice(0, 4);
      anthropic.enqueue({ kind: 'events', events: cut });
      const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /before message_stop/.test(error.message));
    });
  });

  describe('to an openai-protocol provider (translated)', () => {
    it('answers in Anthropic shape, and sends the chat shape upstream', async () => {
      const message = await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 64,
        system: 'Be kind.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
        stop_sequences: ['END'],
      });
      assert.equal(message.type, 'message');
      assert.deepEqual(message.content, [{ type: 'text', text: 'hello from mock' }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [5, 4]);
      const sent = openaiUpstream.requests[0]?.body;
      assert.deepEqual(sent?.messages, [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'hello' },
      ]);
      assert.equal(sent?.max_tokens, 64);
      assert.deepEqual(sent?.stop, ['END']);
      assert.equal(sent?.model, 'gpt-4o-mini');
    });

    it('streams as Anthropic events the SDK assembles, with usage', async () => {
      const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'stream it' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const final = await stream.finalMessage();
      assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
      assert.equal(final.content.length, 1);
      assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', 'chunk-0 chunk-1 chunk-2 ');
      assert.equal(final.stop_reason, 'end_turn');
      assert.equal(final.usage.output_tokens, 3);
      assert.equal(final.usage.input_tokens, 5);
      assert.equal((openaiUpstream.requests[0]?.body?.stream_options as { include_usage?: boolean } | undefined)?.include_usage, true);
    });

    it('carries a tool round trip: tool_use and tool_result become tool_calls and a tool message', async () => {
      await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 64,
        tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        tool_choice: { type: 'any' },
        messages: [
          { role: 'user', content: 'weather in Oslo?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: '3C' },
              { type: 'text', text: 'And tomorrow?' },
            ],
          },
        ],
      });
      const sent = openaiUpstream.requests[0]?.body;
      assert.deepEqual(sent?.messages, [
        { role: 'user', content: 'weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '3C' },
        { role: 'user', content: 'And tomorrow?' },
      ]);
      assert.equal(sent?.tool_choice, 'required');
      assert.deepEqual(sent?.tools, [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ]);
    });

    it('streams a translated tool call (cohere) as a tool_use block', async () => {
      cohere.enqueue({ kind: 'response', response: buildCohereToolCall('get_weather_x1', 'get_weather', { location: 'Rome' }) });
      const final = await client.messages
        .stream({
          model: 'cohere/command-r',
          max_tokens: 64,
          tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
          messages: [{ role: 'user', content: 'weather in Rome?' }],
        })
        .finalMessage();
      const block = final.content.find((item) => item.type === 'tool_use');
      assert.deepEqual(block && { id: block.id, name: block.name, input: block.input }, {
        id: 'get_weather_x1',
        name: 'get_weather',
        input: { location: 'Rome' },
      });
      assert.equal(final.stop_reason, 'tool_use');
      assert.equal(final.usage.output_tokens, 10);
    });

    it("turns the provider's 401 into the SDK's AuthenticationError", async () => {
      openaiUpstream.enqueue({ status: 401 });
      await assert.rejects(
        client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.AuthenticationError);
          assert.equal((error.error as { type: string }).type, 'error');
          return true;
        },
      );
    });

    it('ends a translated stream that fails midway with an error event', async () => {
      openaiUpstream.enqueue({ errorAfterChunks: 1 });
      const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && /mock stream failure/.test(error.message));
      assert.equal(text, 'chunk-0 ');
    });
  });

  describe('errors and fallbacks', () => {
    it('refuses a request without max_tokens as Anthropic does (BadRequestError)', async () => {
      const params = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming;
      await assert.rejects(client.messages.create(params), (error: unknown) => {
        assert.ok(error instanceof Anthropic.BadRequestError);
        assert.match(error.message, /max_tokens/);
        return true;
      });
      assert.equal(anthropic.requests.length, 0);
    });

    it('refuses an unknown provider with BadRequestError', async () => {
      await assert.rejects(
        client.messages.create({ model: 'nope/model-x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
        Anthropic.BadRequestError,
      );
    });

    it('falls back from anthropic (529) to openai in one streamed request', async () => {
      anthropic.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
      const params = { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], fallbacks: ['openai/gpt-4o-mini'] };
      const final = await client.messages.stream(params as Anthropic.MessageStreamParams).finalMessage();
      assert.equal(anthropic.requests.length, 1);
      assert.equal(openaiUpstream.requests.length, 1);
      assert.equal(openaiUpstream.requests[0]?.body?.fallbacks, undefined);
      assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', 'chunk-0 chunk-1 chunk-2 ');
    });

    it('does not try the primary again when a fallback names it qualified (anthropic/<model> for a bare name)', async () => {
      anthropic.enqueue({ kind: 'error', status: 500, type: 'api_error', message: 'primary broke' });
      const params = { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], fallbacks: ['anthropic/claude-haiku-4-5'] };
      await assert.rejects(client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming), Anthropic.InternalServerError);
      assert.equal(anthropic.requests.length, 1);
    });

    it('returns the primary error when every fallback fails too', async () => {
      anthropic.enqueue({ kind: 'error', status: 500, type: 'api_error', message: 'primary broke' });
      openaiUpstream.enqueue({ status: 500 });
      const params = { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], fallbacks: ['openai/gpt-4o-mini'] };
      await assert.rejects(client.messages.create(params as Anthropic.MessageCreateParamsNonStreaming), (error: unknown) => {
        assert.ok(error instanceof Anthropic.InternalServerError);
        assert.match(error.message, /primary broke/);
        return true;
      });
    });
  });
});
