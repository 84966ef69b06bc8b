import assert from 'node:assert/strict';
import { toEmbeddingResponse } from '../../../../gateway/providers/cohere/embeddings.js';
import { toChatResponse, toFinishReason } from '../../../../gateway/providers/cohere/response.js';
import type { CohereChatResponse, CohereEmbedResponse, CohereToolCall } from '../../../../gateway/providers/cohere/types.js';
import { readFixture } from '../anthropic/fixture-helpers.js';

const load = <T>(name: string) => JSON.parse(readFixture(import.meta.url, name)) as T;

describe('cohere toChatResponse', () => {
  it('joins text content and reports the tokens the model saw', () => {
    const chat = toChatResponse(load<CohereChatResponse>('text-response.json'), 'command-a-03-2025');
    assert.equal(chat.choices[0]?.message.content, 'LLMs stand for Large Language Models.');
    assert.equal(chat.choices[0]?.finish_reason, 'stop');
    assert.equal(chat.model, 'command-a-03-2025');
    assert.deepEqual(chat.usage, { prompt_tokens: 83, completion_tokens: 12, total_tokens: 95 });
  });

  it('returns tool calls with finish_reason tool_calls', () => {
    const chat = toChatResponse(load<CohereChatResponse>('tool-response.json'), 'command-r');
    assert.equal(chat.choices[0]?.message.content, null);
    assert.deepEqual(chat.choices[0]?.message.tool_calls, [
      { id: 'get_weather_1byjy32y4hvq', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Toronto"}' } },
    ]);
    assert.equal(chat.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives a tool call with empty or missing arguments the arguments "{}", which clients can parse', () => {
    const response = load<CohereChatResponse>('tool-response.json');
    const call = response.message.tool_calls?.[0];
    assert.ok(call);
    const withArguments = (args: string | undefined): CohereChatResponse => ({
      ...response,
      message: {
        ...response.message,
        tool_calls: [{ ...call, function: { name: 'get_time', ...(args === undefined ? {} : { arguments: args }) } as CohereToolCall['function'] }],
      },
    });
    for (const args of ['', undefined]) {
      assert.equal(toChatResponse(withArguments(args), 'command-r').choices[0]?.message.tool_calls?.[0]?.function.arguments, '{}');
    }
  });

  it('maps finish reasons', () => {
    assert.equal(toFinishReason('COMPLETE'), 'stop');
    assert.equal(toFinishReason('STOP_SEQUENCE'), 'stop');
    assert.equal(toFinishReason('MAX_TOKENS'), 'length');
    assert.equal(toFinishReason('TOOL_CALL'), 'tool_calls');
  });
});

describe('cohere toEmbeddingResponse', () => {
  it('lists float vectors in order with billed tokens', () => {
    const out = toEmbeddingResponse(load<CohereEmbedResponse>('embed-response.json'), 'embed-v4.0');
    assert.equal(out.data.length, 2);
    assert.deepEqual(out.data[1], { object: 'embedding', index: 1, embedding: [-0.0023498535, 0.03652954, 0.0062942505] });
    assert.deepEqual(out.usage, { prompt_tokens: 2, total_tokens: 2 });
  });

  it('encodes base64 as little-endian float32, as OpenAI does', () => {
    const out = toEmbeddingResponse(load<CohereEmbedResponse>('embed-response.json'), 'e', 'base64');
    const bytes = Buffer.from(out.data[0]?.embedding as string, 'base64');
    assert.equal(bytes.length, 12);
    assert.ok(Math.abs(bytes.readFloatLE(0) - 0.016296387) < 1e-6);
  });
});
