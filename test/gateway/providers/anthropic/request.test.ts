import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from '../../../../gateway/providers/anthropic/request.js';
import { requestsWithAndWithoutNulls } from '../null-fields.js';

describe('anthropic toAnthropicRequest', () => {
  it('moves system messages to `system` and defaults max_tokens', () => {
    const body = toAnthropicRequest(
      {
        model: 'claude-x',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
        ],
      },
      'claude-x',
    );
    assert.equal(body.system, 'Be terse.\n\nAnswer in French.');
    assert.equal(body.max_tokens, DEFAULT_MAX_TOKENS);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Hello' }]);
  });

  it('keeps the client max_tokens, stop sequences, sampling and user', () => {
    const body = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 77, stop: 'END', temperature: 0.2, top_p: 0.9, user: 'u-1' },
      'claude-x',
    );
    assert.equal(body.max_tokens, 77);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.temperature, 0.2);
    assert.equal(body.top_p, 0.9);
    assert.deepEqual(body.metadata, { user_id: 'u-1' });
  });

  it('turns data URLs into base64 image sources and http URLs into url sources', () => {
    const body = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
      'claude-x',
    );
    assert.deepEqual(body.messages[0]?.content, [
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('translates tools, tool calls and tool results, merging results of one turn into one user message', () => {
    const body = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
          { role: 'tool', tool_call_id: 'toolu_2', content: '24C' },
          { role: 'user', content: 'Which is warmer?' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
          },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
      },
      'claude-x',
    );
    assert.deepEqual(body.tools, [
      { name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.equal(body.messages.length, 3);
    assert.deepEqual(body.messages[1], {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
      ],
    });
    assert.deepEqual(body.messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: '24C' },
        { type: 'text', text: 'Which is warmer?' },
      ],
    });
  });

  it('maps a named tool choice and "none"', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const named = toAnthropicRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'f' } } },
      'c',
    );
    assert.deepEqual(named.tool_choice, { type: 'tool', name: 'f' });
    assert.deepEqual(named.tools?.[0]?.input_schema, { type: 'object', properties: {} });
    const none = toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' }, 'c');
    assert.deepEqual(none.tool_choice, { type: 'none' });
  });

  it('maps a json_schema response format to structured outputs, and leaves json_object to the prompt', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const messages = [{ role: 'user' as const, content: 'x' }];
    const structured = toAnthropicRequest(
      { model: 'm', messages, response_format: { type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } } },
      'c',
    );
    assert.deepEqual(structured.output_config, { format: { type: 'json_schema', schema } });
    const jsonObject = toAnthropicRequest({ model: 'm', messages, response_format: { type: 'json_object' } }, 'c');
    assert.deepEqual(jsonObject, toAnthropicRequest({ model: 'm', messages }, 'c'));
  });

  it('refuses tool arguments that are not JSON with a clear 400', () => {
    assert.throws(
      () =>
        toAnthropicRequest(
          {
            model: 'm',
            messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }],
          },
          'c',
        ),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && /JSON/.test(error.message),
    );
  });
});

describe('anthropic toAnthropicRequest with JSON null fields', () => {
  it('reads null as absent, as OpenAI does: no refusal of n, nothing sent as null', () => {
    const { withNulls, without } = requestsWithAndWithoutNulls();
    const body = toAnthropicRequest(withNulls, 'c');
    assert.deepEqual(body, toAnthropicRequest(without, 'c'));
    assert.equal(body.max_tokens, DEFAULT_MAX_TOKENS);
  });
});

describe('anthropic toAnthropicRequest limits', () => {
  it('refuses n > 1 rather than silently returning one choice', () => {
    assert.throws(
      () => toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'c'),
      (error: unknown) => error instanceof GatewayError && error.param === 'n',
    );
  });
});
