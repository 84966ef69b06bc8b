import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { translateAnthropicStream } from '../../../../gateway/providers/anthropic/stream.js';
import { buildFixtureTarget, collect, readFixture, replaySse } from './fixture-helpers.js';
import { streamedToolArguments } from '../streamed-tool-arguments.js';

const target = buildFixtureTarget('anthropic', 'claude-3-5-sonnet-20241022');
const translate = (name: string, includeUsage = false) =>
  translateAnthropicStream(replaySse(readFixture(import.meta.url, name), target), target, { includeUsage });

describe('anthropic translateAnthropicStream', () => {
  it('streams text deltas, then a final chunk with finish_reason and usage', async () => {
    const chunks = await collect(translate('text-stream.sse'));
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Hello!');
    const last = chunks[chunks.length - 1];
    assert.equal(last?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(last?.usage, { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    assert.ok(chunks.every((c) => c.id === 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY' && c.object === 'chat.completion.chunk'));
  });

  it('sends usage in a last chunk with no choices when include_usage is asked for, as OpenAI does', async () => {
    const chunks = await collect(translate('text-stream.sse', true));
    const [finish, usage] = chunks.slice(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    assert.equal(finish?.usage, undefined);
    assert.deepEqual(usage?.choices, []);
    assert.deepEqual(usage?.usage, { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    assert.equal(usage?.id, finish?.id);
  });

  it('streams a tool_use block as an OpenAI tool call with index 0', async () => {
    const chunks = await collect(translate('tool-stream.sse'));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(calls[0], { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    assert.ok(calls.every((call) => call.index === 0));
    const args = calls.map((call) => call.function?.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), { location: 'San Francisco, CA' });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), "Okay, let's check the weather.");
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives a tool call that streamed no input the arguments "{}", as the JSON answer has them', async () => {
    const events = [
      {
        type: 'message_start',
        message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage: { input_tokens: 10, output_tokens: 1 } },
      },
      // Anthropic's stream for a call without arguments: `input: {}`, then one empty delta...
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_stop', index: 0 },
      // ...or no delta at all.
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_date', input: {} } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_3', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 12 } },
      { type: 'message_stop' },
    ];
    const transcript = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
    const chunks = await collect(translateAnthropicStream(replaySse(transcript, target), target, { includeUsage: false }));
    assert.deepEqual(
      [0, 1, 2].map((index) => streamedToolArguments(chunks, index)),
      ['{}', '{}', '{"city":"Oslo"}'],
    );
  });

  it('throws an error event as a GatewayError with Anthropic status 529, after the text before it', async () => {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of translate('error-stream.sse')) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
      (error: unknown) => error instanceof GatewayError && error.status === 529 && error.type === 'overloaded_error' && error.message === 'Overloaded',
    );
    assert.equal(seen.join(''), 'Par');
  });

  it('reports a stream cut before message_stop', async () => {
    const cut = readFixture(import.meta.url, 'text-stream.sse').split('event: message_delta')[0] ?? '';
    await assert.rejects(
      collect(translateAnthropicStream(replaySse(cut, target), target, { includeUsage: false })),
      (error: unknown) => error instanceof GatewayError && error.code === 'upstream_bad_response',
    );
  });
});
