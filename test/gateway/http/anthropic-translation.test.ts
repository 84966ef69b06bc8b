import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/core/errors.js';
import { ChunkEventTranslator } from '../../../gateway/http/anthropic/chunk-events.js';
import { toAnthropicError } from '../../../gateway/http/anthropic/errors.js';
import { toAnthropicResponse } from '../../../gateway/http/anthropic/from-chat-response.js';
import { toChatRequest } from '../../../gateway/http/anthropic/to-chat-request.js';
import type { ChatChunk } from '../../../gateway/providers/chat-types.js';

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-x',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('anthropic route: toChatRequest', () => {
  it('turns base64 and url images into image_url parts', () => {
    const chat = toChatRequest(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
              { type: 'text', text: 'Compare.' },
            ],
          },
        ],
      },
      'gpt-x',
    );
    assert.deepEqual(chat.messages[0]?.content, [
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'text', text: 'Compare.' },
    ]);
  });

  it('marks an error tool_result in words and joins system blocks', () => {
    const chat = toChatRequest(
      {
        model: 'm',
        max_tokens: 10,
        system: [
          { type: 'text', text: 'A.' },
          { type: 'text', text: 'B.' },
        ],
        messages: [
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: [{ type: 'text', text: 'city not found' }] }] },
        ],
      },
      'gpt-x',
    );
    assert.deepEqual(chat.messages, [
      { role: 'system', content: 'A.\n\nB.' },
      { role: 'tool', tool_call_id: 't1', content: 'Error: city not found' },
    ]);
  });

  it('refuses server tools and documents with a 400 naming the limitation', () => {
    assert.throws(
      () =>
        toChatRequest(
          { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' } as never] },
          'g',
        ),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && /web_search/.test(error.message),
    );
    assert.throws(
      () => toChatRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'document', source: {} } as never] }] }, 'g'),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && /document/.test(error.message),
    );
  });
});

describe('anthropic route: toAnthropicResponse', () => {
  it('maps length to max_tokens and keeps cached tokens apart', () => {
    const message = toAnthropicResponse(
      {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'cut' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 40 } },
      },
      'msg_1',
    );
    assert.equal(message.stop_reason, 'max_tokens');
    assert.deepEqual(message.usage, { input_tokens: 60, output_tokens: 7, cache_read_input_tokens: 40 });
  });
});

describe('anthropic route: ChunkEventTranslator', () => {
  it('opens and closes one block per text run and per tool call, in order', () => {
    const translator = new ChunkEventTranslator('msg_1', 'gpt-x');
    const events = [
      ...translator.push(chunk({ role: 'assistant', content: '' })),
      ...translator.push(chunk({ content: 'Let me check.' })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] })),
      ...translator.push(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] })),
      ...translator.push(chunk({}, 'tool_calls')),
      ...translator.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }),
      ...translator.finish(),
    ];
    assert.deepEqual(
      events.map((event) => (event.type.startsWith('content_block') ? `${event.type}:${(event as { index: number }).index}` : event.type)),
      [
        'message_start',
        'content_block_start:0',
        'content_block_delta:0',
        'content_block_stop:0',
        'content_block_start:1',
        'content_block_delta:1',
        'content_block_stop:1',
        'content_block_start:2',
        'content_block_delta:2',
        'content_block_stop:2',
        'message_delta',
        'message_stop',
      ],
    );
    const last = events[events.length - 2];
    assert.deepEqual(last, { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 9, output_tokens: 4 } });
  });

  it('still produces a whole message for an empty stream', () => {
    const events = new ChunkEventTranslator('msg_2', 'gpt-x').finish();
    assert.deepEqual(
      events.map((event) => event.type),
      ['message_start', 'message_delta', 'message_stop'],
    );
  });
});

describe('anthropic route: toAnthropicError', () => {
  it('gives the SDK the Anthropic type for each status', () => {
    const typeOf = (status: number) => toAnthropicError(new GatewayError('upstream_error', 'x', { status, fromProvider: true }), 'r').body.error.type;
    assert.deepEqual([400, 401, 403, 404, 413, 429, 500, 502, 504, 529].map(typeOf), [
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'api_error',
      'timeout_error',
      'overloaded_error',
    ]);
  });

  it("answers a provider's 503 as 502, so the load balancer does not re-send work already done", () => {
    const out = toAnthropicError(new GatewayError('upstream_error', 'down', { status: 503, fromProvider: true }), 'r');
    assert.equal(out.status, 502);
  });

  it('hides unexpected errors behind a bare 500', () => {
    const out = toAnthropicError(new Error('secret detail'), 'r');
    assert.deepEqual(out, { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'internal gateway error' }, request_id: 'r' } });
  });
});
