import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { readEventStream } from '../../../../gateway/providers/bedrock/event-stream.js';
import { ConverseStreamTranslator, translateConverseStream } from '../../../../gateway/providers/bedrock/stream.js';
import type { ChatChunk } from '../../../../gateway/providers/chat-types.js';
import { setUpstreamLimits, upstreamLimits, type UpstreamResponse } from '../../../../gateway/providers/shared/upstream-http.js';
import { encodeEvent, encodeException, textStreamFrames } from '../../../support/bedrock-upstream.js';
import { streamedToolArguments } from '../streamed-tool-arguments.js';
import { bedrockProvider, targetFor } from './fixtures.js';

const target = targetFor(bedrockProvider('http://127.0.0.1:9'), 'anthropic.claude-3-haiku-20240307-v1:0');
const labels = { id: 'chatcmpl-s', model: target.model, created: 1_700_000_000 };

/** A response whose body delivers the encoded transcript in awkward pieces (7 bytes at a time). */
function responseOf(frames: Uint8Array[], pieceSize = 7): UpstreamResponse {
  const all = Buffer.concat(frames.map((frame) => Buffer.from(frame)));
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < all.length; offset += pieceSize) pieces.push(all.subarray(offset, offset + pieceSize));
  return { status: 200, headers: {}, body: Readable.from(pieces) as unknown as UpstreamResponse['body'] };
}

async function translate(frames: Uint8Array[], includeUsage = false): Promise<ChatChunk[]> {
  const translator = new ConverseStreamTranslator(labels, { includeUsage }, target);
  const chunks: ChatChunk[] = [];
  for await (const chunk of translateConverseStream(readEventStream(responseOf(frames), target), translator, target)) chunks.push(chunk);
  return chunks;
}

async function failure(frames: Uint8Array[]): Promise<{ error: GatewayError; chunks: ChatChunk[] }> {
  const chunks: ChatChunk[] = [];
  try {
    const translator = new ConverseStreamTranslator(labels, { includeUsage: false }, target);
    for await (const chunk of translateConverseStream(readEventStream(responseOf(frames), target), translator, target)) chunks.push(chunk);
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return { error, chunks };
  }
  assert.fail('the stream should have failed');
}

describe('bedrock ConverseStream translation', () => {
  it('streams the role first, then text deltas, then finish_reason carrying usage', async () => {
    const chunks = await translate(textStreamFrames(['Hel', 'lo'], 'end_turn', { inputTokens: 5, outputTokens: 2, totalTokens: 7 }));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'Hel' }, { content: 'lo' }, {}],
    );
    const last = chunks[chunks.length - 1];
    assert.equal(last?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(last?.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    assert.ok(chunks.every((chunk) => chunk.id === 'chatcmpl-s' && chunk.object === 'chat.completion.chunk'));
  });

  it('sends usage in a last chunk with no choices when include_usage is asked for', async () => {
    const chunks = await translate(textStreamFrames(['x'], 'max_tokens'), true);
    const [finish, usage] = chunks.slice(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'length');
    assert.equal(finish?.usage, undefined);
    assert.deepEqual(usage?.choices, []);
    assert.deepEqual(usage?.usage, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
  });

  it('counts cached tokens into the streamed prompt_tokens, with include_usage or without', async () => {
    const usage = { inputTokens: 4, outputTokens: 134, totalTokens: 1893, cacheReadInputTokens: 1655, cacheWriteInputTokens: 100 };
    const expected = { prompt_tokens: 1759, completion_tokens: 134, total_tokens: 1893, prompt_tokens_details: { cached_tokens: 1655 } };
    for (const includeUsage of [true, false]) {
      const chunks = await translate(textStreamFrames(['x'], 'end_turn', usage), includeUsage);
      assert.deepEqual(chunks.at(-1)?.usage, expected);
    }
  });

  it('streams toolUse blocks as indexed tool-call deltas with their input JSON in pieces', async () => {
    const chunks = await translate([
      encodeEvent('messageStart', { role: 'assistant' }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
      encodeEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } } }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 1 }),
      encodeEvent('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_2', name: 'get_time' } } }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 2 }),
      encodeEvent('messageStop', { stopReason: 'tool_use' }),
      encodeEvent('metadata', { usage: { inputTokens: 40, outputTokens: 25, totalTokens: 65 }, metrics: { latencyMs: 9 } }),
    ]);
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(toolDeltas, [
      { index: 0, id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Paris"}' } },
      { index: 1, id: 'tooluse_2', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{}' } },
    ]);
    assert.equal(chunks.find((chunk) => chunk.choices[0]?.delta.content === 'Checking.') !== undefined, true);
    assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives a tool call that streamed no input the arguments "{}", as the JSON answer has them', async () => {
    const chunks = await translate([
      encodeEvent('messageStart', { role: 'assistant' }),
      encodeEvent('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_time' } } }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '' } } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
      encodeEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_2', name: 'get_date' } } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 1 }),
      encodeEvent('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_3', name: 'get_weather' } } }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":"Oslo"}' } } }),
      encodeEvent('contentBlockStop', { contentBlockIndex: 2 }),
      encodeEvent('messageStop', { stopReason: 'tool_use' }),
      encodeEvent('metadata', { usage: { inputTokens: 4, outputTokens: 9, totalTokens: 13 } }),
    ]);
    assert.deepEqual(
      [0, 1, 2].map((index) => streamedToolArguments(chunks, index)),
      ['{}', '{}', '{"city":"Oslo"}'],
    );
  });

  it('maps guardrail and content-filter stops to content_filter', async () => {
    for (const reason of ['guardrail_intervened', 'content_filtered']) {
      const chunks = await translate(textStreamFrames(['x'], reason));
      assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'content_filter');
    }
  });

  it('delivers the text before an exception event, then throws it with its status', async () => {
    const { error, chunks } = await failure([
      encodeEvent('messageStart', { role: 'assistant' }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'partial' } }),
      encodeException('throttlingException', { message: 'Too many requests, please wait before trying again.' }),
    ]);
    assert.equal(chunks[1]?.choices[0]?.delta.content, 'partial');
    assert.equal(error.status, 429);
    assert.equal(error.type, 'ThrottlingException');
    assert.equal(error.message, 'Too many requests, please wait before trying again.');
    assert.equal(error.fromProvider, true);
  });

  it('reports a modelStreamErrorException as 424', async () => {
    const { error } = await failure([
      encodeEvent('messageStart', { role: 'assistant' }),
      encodeException('modelStreamErrorException', { message: 'model broke', originalStatusCode: 500 }),
    ]);
    assert.equal(error.status, 424);
  });

  it('fails on a frame cut short and on a stream that ends before messageStop', async () => {
    const frames = textStreamFrames(['a']);
    const last = frames[frames.length - 1] as Uint8Array;
    const truncated = await failure([...frames.slice(0, -1), last.subarray(0, last.length - 5)]);
    assert.equal(truncated.error.code, 'upstream_bad_response');
    const unfinished = await failure([
      encodeEvent('messageStart', { role: 'assistant' }),
      encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'a' } }),
    ]);
    assert.match(unfinished.error.message, /before messageStop/);
  });

  it('refuses a frame whose checksum does not match', async () => {
    const frame = Buffer.from(encodeEvent('messageStart', { role: 'assistant' }));
    frame[frame.length - 1] = (frame[frame.length - 1] ?? 0) ^ 0xff;
    const { error } = await failure([frame]);
    assert.equal(error.code, 'upstream_bad_response');
  });

  it('refuses a frame that declares more than the event limit before buffering any of it, after delivering the frames before it', async () => {
    const liar = Buffer.alloc(16);
    liar.writeUInt32BE(0xfffffff0, 0); // "4 GB follow"
    const before = process.memoryUsage().arrayBuffers;
    const { error, chunks } = await failure([...textStreamFrames(['kept']).slice(0, 2), liar]);
    assert.equal(error.code, 'upstream_bad_response');
    assert.match(error.message, /bedrock sent an event-stream frame larger than 8192 KB/);
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'kept' }],
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'the declared length was allocated');
  });

  it('takes frames at the event limit exactly, and refuses one byte more', async () => {
    const previous = upstreamLimits();
    try {
      const frame = encodeEvent('messageStart', { role: 'assistant' });
      setUpstreamLimits({ ...upstreamLimits(), maxEventBytes: frame.length });
      assert.match((await failure([frame])).error.message, /before messageStop/, 'a frame at the limit is decoded');
      setUpstreamLimits({ ...upstreamLimits(), maxEventBytes: frame.length - 1 });
      assert.match((await failure([frame])).error.message, /larger than/);
    } finally {
      setUpstreamLimits(previous);
    }
  });
});
