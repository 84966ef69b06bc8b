import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { toChatResponse } from '../../../../gateway/providers/gemini/response.js';
import { readGeminiEvents, toChatChunks } from '../../../../gateway/providers/gemini/stream.js';
import type { GeminiResponse } from '../../../../gateway/providers/gemini/wire-types.js';
import { readSseEvents } from '../../../../gateway/providers/shared/sse.js';
import type { ChatChunk } from '../../../../gateway/providers/chat-types.js';
import { collect, sseFixtureResponse, upstreamTarget } from './fixture-helpers.js';

const target = upstreamTarget('http://127.0.0.1:1', {});

function eventsOf(name: string): AsyncIterable<GeminiResponse> {
  return readGeminiEvents(readSseEvents(sseFixtureResponse(name), target), target);
}

describe('gemini stream translation', () => {
  it('streams text deltas, the role first, STOP as stop, and usage last when asked', async () => {
    const chunks = await collect(toChatChunks(eventsOf('text-stream.sse'), { model: 'gemini-2.0-flash', includeUsage: true }));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices.map((choice) => [choice.delta, choice.finish_reason])),
      [[[{ role: 'assistant', content: 'The' }, null]], [[{ content: ' sky is' }, null]], [[{ content: ' blue.' }, 'stop']], []],
    );
    assert.ok(chunks.every((chunk) => chunk.id === 'stream-text-1' && chunk.object === 'chat.completion.chunk'));
    assert.deepEqual(chunks[3]?.usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it('sends no usage chunk unless include_usage was asked for', async () => {
    const chunks = await collect(toChatChunks(eventsOf('text-stream.sse'), { model: 'm', includeUsage: false }));
    assert.equal(chunks.length, 3);
    assert.ok(chunks.every((chunk) => chunk.usage === undefined));
  });

  it('streams a function call as one complete tool call delta and finishes with tool_calls', async () => {
    const chunks = await collect(toChatChunks(eventsOf('tool-stream.sse'), { model: 'm', includeUsage: false }));
    assert.equal(chunks.length, 1);
    const choice = (chunks[0] as ChatChunk).choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    const call = choice?.delta.tool_calls?.[0];
    assert.equal(call?.index, 0);
    assert.equal(call?.function?.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.function?.arguments ?? ''), { location: 'Boston' });
    // The same answer as JSON gets the same tool call id.
    const events = await collect(eventsOf('tool-stream.sse'));
    const json = toChatResponse(events[0] as GeminiResponse, 'm');
    assert.equal(call?.id, json.choices[0]?.message.tool_calls?.[0]?.id);
  });

  it('maps MAX_TOKENS at the end of a stream to length', async () => {
    const chunks = await collect(toChatChunks(eventsOf('max-tokens-stream.sse'), { model: 'm', includeUsage: false }));
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'length');
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content).join(''), 'Once upon a');
  });

  it('ends a blocked prompt (no candidates) with finish_reason content_filter, as the JSON answer does, and usage when asked', async () => {
    const chunks = await collect(toChatChunks(eventsOf('prompt-blocked-stream.sse'), { model: 'm', includeUsage: true }));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices.map((choice) => [choice.delta, choice.finish_reason])),
      [[[{ role: 'assistant' }, null]], [[{}, 'content_filter']], []],
    );
    assert.ok(chunks.every((chunk) => chunk.id === 'stream-blocked-1' && chunk.model === 'gemini-2.5-flash'));
    assert.deepEqual(chunks[2]?.usage, { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
    const json = toChatResponse((await collect(eventsOf('prompt-blocked-stream.sse')))[0] as GeminiResponse, 'm');
    assert.equal(json.choices[0]?.finish_reason, 'content_filter');
  });

  it('delivers the text before an in-stream error, then throws it with its status', async () => {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of toChatChunks(eventsOf('error-stream.sse'), { model: 'm', includeUsage: false })) {
          seen.push(chunk.choices[0]?.delta.content ?? '');
        }
      })(),
      (error: unknown) => error instanceof GatewayError && error.status === 503 && error.type === 'UNAVAILABLE' && /overloaded/.test(error.message),
    );
    assert.deepEqual(seen, ['Partial']);
  });
});
