import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { translateCohereStream } from '../../../../gateway/providers/cohere/stream.js';
import { buildFixtureTarget, collect, readFixture, replaySse } from '../anthropic/fixture-helpers.js';
import { streamedToolArguments } from '../streamed-tool-arguments.js';

const target = buildFixtureTarget('cohere', 'command-a-03-2025');
const translate = (name: string, includeUsage = false) =>
  translateCohereStream(replaySse(readFixture(import.meta.url, name), target), target, { includeUsage });

describe('cohere translateCohereStream', () => {
  it('streams text, then finish_reason length and usage', async () => {
    const chunks = await collect(translate('text-stream.sse'));
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'A large language model');
    const last = chunks[chunks.length - 1];
    assert.equal(last?.choices[0]?.finish_reason, 'length');
    assert.deepEqual(last?.usage, { prompt_tokens: 71, completion_tokens: 4, total_tokens: 75 });
    assert.ok(chunks.every((c) => c.id === '29f14a5a-11de-4cae-9800-25e4747408ea'));
  });

  it('sends usage in a last chunk with no choices when include_usage is asked for, as OpenAI does', async () => {
    const chunks = await collect(translate('text-stream.sse', true));
    const [finish, usage] = chunks.slice(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'length');
    assert.equal(finish?.usage, undefined);
    assert.deepEqual(usage?.choices, []);
    assert.deepEqual(usage?.usage, { prompt_tokens: 71, completion_tokens: 4, total_tokens: 75 });
    assert.equal(usage?.id, finish?.id);
  });

  it('streams parallel tool calls with their own indexes', async () => {
    const chunks = await collect(translate('tool-stream.sse'));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const argsOf = (index: number) => streamedToolArguments(chunks, index);
    assert.deepEqual(
      calls.filter((call) => call.id).map((call) => [call.index, call.id, call.function?.name]),
      [
        [0, 'get_weather_nsz5zm3w56q3', 'get_weather'],
        [1, 'get_weather_g5aj6ccqnqr2', 'get_weather'],
      ],
    );
    assert.deepEqual(JSON.parse(argsOf(0)), { location: 'Madrid' });
    assert.deepEqual(JSON.parse(argsOf(1)), { location: 'Brasilia' });
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives a tool call streamed without argument deltas the arguments "{}", as the JSON answer does', async () => {
    const chunks = await collect(translate('no-argument-tool-stream.sse'));
    assert.equal(streamedToolArguments(chunks, 0), '{}');
    assert.deepEqual(JSON.parse(streamedToolArguments(chunks, 1)), { location: 'Oslo' });
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives a tool call whose tool-call-end never came the arguments "{}" before the finish', async () => {
    const transcript = readFixture(import.meta.url, 'no-argument-tool-stream.sse').replace(
      /event: tool-call-end\ndata: \{"type":"tool-call-end","index":0\}\n\n/,
      '',
    );
    assert.ok(!transcript.includes('"tool-call-end","index":0'));
    const chunks = await collect(translateCohereStream(replaySse(transcript, target), target, { includeUsage: false }));
    assert.equal(streamedToolArguments(chunks, 0), '{}');
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('throws a message-end with ERROR as an upstream error', async () => {
    await assert.rejects(
      collect(translate('error-stream.sse')),
      (error: unknown) => error instanceof GatewayError && error.status === 500 && /internal server error/.test(error.message),
    );
  });
});
