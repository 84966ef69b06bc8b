import assert from 'node:assert/strict';
import { toCohereEmbedRequest } from '../../../../gateway/providers/cohere/embeddings.js';
import { toCohereRequest } from '../../../../gateway/providers/cohere/request.js';
import { requestsWithAndWithoutNulls } from '../null-fields.js';
import { GatewayError } from '../../../../gateway/core/errors.js';

describe('cohere toCohereRequest', () => {
  it('keeps roles and renames sampling fields', () => {
    const body = toCohereRequest(
      {
        model: 'x',
        messages: [
          { role: 'system', content: 'Be terse.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA=' } },
            ],
          },
        ],
        max_tokens: 50,
        top_p: 0.8,
        stop: ['END'],
        seed: 7,
      },
      'command-a-03-2025',
    );
    assert.deepEqual(body, {
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA=' } },
          ],
        },
      ],
      max_tokens: 50,
      p: 0.8,
      seed: 7,
      stop_sequences: ['END'],
    });
  });

  it('carries tool calls and tool results, and forces a named tool by offering only it', () => {
    const body = toCohereRequest(
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Madrid"}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: '{"temp":24}' },
        ],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
          { type: 'function', function: { name: 'get_time' } },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      },
      'command-r',
    );
    assert.deepEqual(body.messages[1], {
      role: 'assistant',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Madrid"}' } }],
    });
    assert.deepEqual(body.messages[2], { role: 'tool', tool_call_id: 'c1', content: '{"temp":24}' });
    assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }]);
    assert.equal(body.tool_choice, 'REQUIRED');
  });

  it('reads JSON null in optional fields as absent, as OpenAI does: no refusal of n, nothing sent as null', () => {
    const { withNulls, without } = requestsWithAndWithoutNulls();
    assert.deepEqual(toCohereRequest(withNulls, 'c'), toCohereRequest(without, 'c'));
    assert.deepEqual(toCohereEmbedRequest({ model: 'x', input: 'a', dimensions: null } as never, 'e'), toCohereEmbedRequest({ model: 'x', input: 'a' }, 'e'));
  });

  it('maps a json_schema response format to json_object with its schema', () => {
    const body = toCohereRequest(
      {
        model: 'x',
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
      },
      'c',
    );
    assert.deepEqual(body.response_format, { type: 'json_object', json_schema: { type: 'object' } });
  });
});

describe('cohere toCohereEmbedRequest', () => {
  it('sends texts with float embedding types and a default input type', () => {
    assert.deepEqual(toCohereEmbedRequest({ model: 'x', input: 'hello' }, 'embed-v4.0'), {
      model: 'embed-v4.0',
      texts: ['hello'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
    assert.equal(toCohereEmbedRequest({ model: 'x', input: ['a'], input_type: 'search_query' }, 'e').input_type, 'search_query');
  });

  it('refuses token arrays with a 400', () => {
    assert.throws(
      () => toCohereEmbedRequest({ model: 'x', input: [1, 2, 3] }, 'e'),
      (error: unknown) => error instanceof GatewayError && error.status === 400,
    );
  });
});

describe('cohere toCohereRequest limits', () => {
  it('refuses n > 1 rather than silently returning one choice', () => {
    assert.throws(
      () => toCohereRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 3 }, 'c'),
      (error: unknown) => error instanceof GatewayError && error.param === 'n',
    );
  });
});
