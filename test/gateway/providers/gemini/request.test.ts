import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { toGeminiRequest } from '../../../../gateway/providers/gemini/request.js';
import { requestsWithAndWithoutNulls } from '../null-fields.js';

describe('gemini toGeminiRequest', () => {
  it('moves system and developer messages into systemInstruction and maps roles to user/model', () => {
    const body = toGeminiRequest({
      model: 'gemini-2.0-flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'How are you?' },
      ],
    });
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'How are you?' }] },
    ]);
  });

  it('turns data: image URLs into inlineData and http URLs into fileData', () => {
    const body = toGeminiRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=2' } },
          ],
        },
      ],
    });
    assert.deepEqual(body.contents[0]?.parts, [
      { text: 'Compare these' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=2' } },
    ]);
  });

  it('declares tools as functionDeclarations with their JSON Schema untouched in parametersJsonSchema', () => {
    // What zod, pydantic and MCP servers produce: type arrays, const, $ref/$defs, exclusiveMinimum.
    const parameters = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        unit: { type: ['string', 'null'] },
        mode: { anyOf: [{ const: 'a' }, { const: 'b' }] },
        item: { $ref: '#/$defs/Item' },
        strict: { type: 'boolean' },
      },
      $defs: { Item: { type: 'object', properties: { n: { type: 'integer', exclusiveMinimum: 0 } } } },
      required: ['unit'],
      additionalProperties: false,
    };
    const body = toGeminiRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parametersJsonSchema: parameters }] }]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  });

  it('maps tool_choice auto, none and required to AUTO, NONE and ANY', () => {
    const modes = (['auto', 'none', 'required'] as const).map(
      (choice) => toGeminiRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: choice }).toolConfig?.functionCallingConfig?.mode,
    );
    assert.deepEqual(modes, ['AUTO', 'NONE', 'ANY']);
  });

  it('sends tool calls as functionCall parts and tool results as one user turn of functionResponse parts named after the call', () => {
    const body = toGeminiRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_b', content: '14:05' },
      ],
    });
    assert.deepEqual(body.contents.slice(1), [
      {
        role: 'model',
        parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
        ],
      },
    ]);
  });

  it('maps sampling options into generationConfig', () => {
    const body = toGeminiRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 100,
      max_completion_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      n: 2,
      stop: ['END'],
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
    });
    assert.deepEqual(body.generationConfig, {
      maxOutputTokens: 50,
      temperature: 0.2,
      topP: 0.9,
      candidateCount: 2,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object' },
    });
  });

  it('reads JSON null in optional fields as absent, as OpenAI does, tool fields and tool_choice included', () => {
    const { withNulls, without } = requestsWithAndWithoutNulls();
    assert.deepEqual(toGeminiRequest(withNulls), toGeminiRequest(without));
  });

  it('refuses a tool result that answers no earlier call, and a conversation with only a system message', () => {
    assert.throws(
      () =>
        toGeminiRequest({
          model: 'm',
          messages: [
            { role: 'user', content: 'x' },
            { role: 'tool', tool_call_id: 'nope', content: '1' },
          ],
        }),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && /nope/.test(error.message),
    );
    assert.throws(
      () => toGeminiRequest({ model: 'm', messages: [{ role: 'system', content: 'x' }] }),
      (error: unknown) => error instanceof GatewayError && error.status === 400,
    );
  });
});
