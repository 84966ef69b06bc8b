import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { titanEmbeddingBody } from '../../../../gateway/providers/bedrock/embeddings.js';
import { HISTORY_ONLY_TOOL_DESCRIPTION, toConverseRequest } from '../../../../gateway/providers/bedrock/request.js';
import type { ChatRequest } from '../../../../gateway/providers/chat-types.js';
import { requestsWithAndWithoutNulls } from '../null-fields.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function rejects(request: ChatRequest, pattern: RegExp): void {
  assert.throws(
    () => toConverseRequest(request),
    (error: unknown) => error instanceof GatewayError && error.status === 400 && pattern.test(error.message),
  );
}

describe('bedrock toConverseRequest', () => {
  it('moves system and developer messages into system blocks', () => {
    const body = toConverseRequest({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hi' },
      ],
    });
    assert.deepEqual(body.system, [{ text: 'Be terse.' }, { text: 'Answer in French.' }]);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ text: 'Hi' }] }]);
  });

  it('turns text and data-URL image parts into text and image-bytes blocks with their format', () => {
    const body = toConverseRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,AAAA` } },
          ],
        },
      ],
    });
    assert.deepEqual(body.messages[0]?.content, [
      { text: 'What is this?' },
      { image: { format: 'png', source: { bytes: PNG } } },
      { image: { format: 'jpeg', source: { bytes: 'AAAA' } } },
    ]);
  });

  it('refuses remote image URLs and unsupported image types with a clear 400', () => {
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }, /data URLs/);
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }] }] }, /image\/bmp/);
  });

  it('maps max tokens, temperature, top_p and stop into inferenceConfig', () => {
    const body = toConverseRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 100,
      max_completion_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
    });
    assert.deepEqual(body.inferenceConfig, { maxTokens: 256, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    assert.equal(toConverseRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }).inferenceConfig, undefined);
  });

  it('translates tools and tool_choice into toolConfig', () => {
    const tools: ChatRequest['tools'] = [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'Weather in Paris?' }], tools };
    assert.deepEqual(toConverseRequest(base).toolConfig, {
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Weather by city',
            inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
          },
        },
      ],
    });
    assert.deepEqual(toConverseRequest({ ...base, tool_choice: 'auto' }).toolConfig?.toolChoice, { auto: {} });
    assert.deepEqual(toConverseRequest({ ...base, tool_choice: 'required' }).toolConfig?.toolChoice, { any: {} });
    assert.deepEqual(toConverseRequest({ ...base, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolConfig?.toolChoice, {
      tool: { name: 'get_weather' },
    });
    assert.equal(toConverseRequest({ ...base, tool_choice: 'none' }).toolConfig, undefined);
  });

  it('turns assistant tool calls into toolUse and tool messages into one user turn of toolResults', () => {
    const body = toConverseRequest({
      model: 'm',
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
      tool_choice: 'none',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'tooluse_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
        { role: 'tool', tool_call_id: 'tooluse_2', content: [{ type: 'text', text: '24C' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
    });
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tooluse_2', name: 'get_weather', input: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_1', content: [{ text: '18C' }] } },
          { toolResult: { toolUseId: 'tooluse_2', content: [{ text: '24C' }] } },
          { text: 'Which is warmer?' },
        ],
      },
    ]);
    // Converse requires the tool definitions once turns carry tool blocks, even with "none".
    assert.equal(body.toolConfig?.tools.length, 1);
    assert.equal(body.toolConfig?.toolChoice, undefined);
  });

  it('declares the tools a history used when the request gives none, with an open schema and no toolChoice', () => {
    const body = toConverseRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'tooluse_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
        { role: 'tool', tool_call_id: 'tooluse_2', content: '14:05' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_3', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'tooluse_3', content: '19C' },
        { role: 'user', content: 'Summarise that in one line.' },
      ],
    });
    const declared = (name: string) => ({ toolSpec: { name, description: HISTORY_ONLY_TOOL_DESCRIPTION, inputSchema: { json: { type: 'object' } } } });
    assert.deepEqual(body.toolConfig, { tools: [declared('get_weather'), declared('get_time')] });
  });

  it('refuses with a 400 naming the fix a tool message no assistant tool_calls right before it made (a trimmed history)', () => {
    const trimmed: ChatRequest['messages'] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
    ];
    const names = /tool_call_id "tooluse_1" answers no tool call.*assistant message \(with its tool_calls\)/;
    rejects({ model: 'm', messages: trimmed }, names);
    rejects({ model: 'm', messages: trimmed, tool_choice: 'none' }, names);
    rejects({ model: 'm', messages: trimmed, tools: [{ type: 'function', function: { name: 'get_weather' } }] }, names);
    const answeredElsewhere: ChatRequest['messages'] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
      { role: 'assistant', content: 'It is 18C.' },
      { role: 'tool', tool_call_id: 'tooluse_1', content: '18C again' },
    ];
    rejects({ model: 'm', messages: answeredElsewhere }, names);
  });

  it('declares the history\'s tools for a tool_choice "none" request without tools', () => {
    const body = toConverseRequest({
      model: 'm',
      tool_choice: 'none',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
      ],
    });
    assert.deepEqual(
      body.toolConfig?.tools.map((tool) => tool.toolSpec.name),
      ['get_weather'],
    );
    assert.equal(body.toolConfig?.toolChoice, undefined);
  });

  it('sends no toolConfig when neither the request nor the history uses tools', () => {
    assert.equal(toConverseRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], tool_choice: 'auto' }).toolConfig, undefined);
  });

  it('reads JSON null in optional fields as absent, as OpenAI does: no refusal of n, nothing sent as null', () => {
    const { withNulls, without } = requestsWithAndWithoutNulls();
    const body = toConverseRequest(withNulls);
    assert.deepEqual(body, toConverseRequest(without));
    assert.equal(body.inferenceConfig, undefined);
    assert.deepEqual(titanEmbeddingBody('a', { model: 'x', input: 'a', dimensions: null } as never), { inputText: 'a' });
  });

  it('refuses requests it cannot express: n > 1, tool arguments that are not JSON, json response formats', () => {
    rejects({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], n: 2 }, /n must be 1/);
    rejects(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
        ],
      },
      /not JSON/,
    );
    rejects({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } }, /response_format/);
    rejects({ model: 'm', messages: [{ role: 'system', content: 'only a system prompt' }] }, /at least one user message/);
  });
});
