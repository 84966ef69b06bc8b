import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/core/errors.js';
import type { ChatChunk } from '../../../gateway/providers/chat-types.js';
import { ChunkToGeminiTranslator } from '../../../gateway/http/genai/chunk-translator.js';
import { toGeminiError } from '../../../gateway/http/genai/errors.js';
import { toGeminiResponse } from '../../../gateway/http/genai/from-chat-response.js';
import { parseGenaiModelPath } from '../../../gateway/http/genai/model-path.js';
import { toChatRequest } from '../../../gateway/http/genai/to-chat-request.js';

const chunk = (choices: ChatChunk['choices'], usage?: ChatChunk['usage']): ChatChunk => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices,
  ...(usage ? { usage } : {}),
});

describe('genai drop-in translation', () => {
  describe('parseGenaiModelPath', () => {
    it('routes bare names to gemini and keeps provider/model', () => {
      assert.deepEqual(parseGenaiModelPath('gemini-2.0-flash:generateContent'), { model: 'gemini/gemini-2.0-flash', action: 'generateContent' });
      assert.deepEqual(parseGenaiModelPath('models/gemini-2.0-flash:streamGenerateContent'), {
        model: 'gemini/gemini-2.0-flash',
        action: 'streamGenerateContent',
      });
      assert.deepEqual(parseGenaiModelPath('openrouter/google/gemma:generateContent'), { model: 'openrouter/google/gemma', action: 'generateContent' });
      assert.throws(
        () => parseGenaiModelPath('gemini-2.0-flash:embedContent'),
        (error: unknown) => error instanceof GatewayError && error.status === 404,
      );
    });
  });

  describe('toChatRequest', () => {
    it('pairs functionResponse parts with their calls by id when given, else by name in order', () => {
      const request = toChatRequest(
        {
          contents: [
            { role: 'user', parts: [{ text: 'go' }] },
            {
              role: 'model',
              parts: [
                { thought: true, text: 'thinking...' },
                { functionCall: { name: 'a', args: { n: 1 } } },
                { functionCall: { name: 'a', args: { n: 2 } } },
                { functionCall: { id: 'own-id', name: 'b', args: {} } },
              ],
            },
            {
              role: 'user',
              parts: [
                { functionResponse: { id: 'own-id', name: 'b', response: { ok: true } } },
                { functionResponse: { name: 'a', response: { r: 1 } } },
                { functionResponse: { name: 'a', response: { r: 2 } } },
              ],
            },
          ],
        },
        'm',
        false,
      );
      const assistant = request.messages[1];
      assert.equal(assistant?.content, null);
      const ids = (assistant?.tool_calls ?? []).map((call) => call.id);
      assert.deepEqual(ids, ['call_1', 'call_2', 'own-id']);
      assert.deepEqual(
        request.messages.slice(2).map((message) => [message.role, message.tool_call_id, message.content]),
        [
          ['tool', 'own-id', '{"ok":true}'],
          ['tool', 'call_1', '{"r":1}'],
          ['tool', 'call_2', '{"r":2}'],
        ],
      );
    });

    it('refuses a functionResponse with no matching call', () => {
      assert.throws(
        () => toChatRequest({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'x', response: {} } }] }] }, 'm', false),
        (error: unknown) => error instanceof GatewayError && error.status === 400,
      );
    });

    it('maps generationConfig, JSON output and tool config', () => {
      const request = toChatRequest(
        {
          contents: [{ role: 'user', parts: [{ text: 'x' }] }],
          generationConfig: { candidateCount: 2, topP: 0.5, responseMimeType: 'application/json', responseSchema: { type: 'OBJECT' } },
          toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['only'] } },
        },
        'm',
        true,
      );
      assert.equal(request.n, 2);
      assert.equal(request.top_p, 0.5);
      assert.deepEqual(request.response_format, { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } });
      assert.deepEqual(request.tool_choice, { type: 'function', function: { name: 'only' } });
      assert.deepEqual([request.stream, request.stream_options], [true, { include_usage: true }]);
    });
  });

  describe('toGeminiResponse', () => {
    it('maps finish reasons: length to MAX_TOKENS, content_filter to SAFETY, tool_calls to STOP', () => {
      const response = toGeminiResponse({
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'cut' }, finish_reason: 'length' },
          { index: 1, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' },
          {
            index: 2,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      });
      assert.deepEqual(
        response.candidates?.map((candidate) => [candidate.finishReason, candidate.content?.parts]),
        [
          ['MAX_TOKENS', [{ text: 'cut' }]],
          ['SAFETY', undefined],
          ['STOP', [{ functionCall: { id: 't', name: 'f', args: {} } }]],
        ],
      );
    });
  });

  describe('ChunkToGeminiTranslator', () => {
    it('gathers streamed tool call fragments into one functionCall sent with the finish and the usage', () => {
      const translator = new ChunkToGeminiTranslator('gpt-4o-mini');
      const out = [
        ...translator.push(chunk([{ index: 0, delta: { role: 'assistant', content: 'Let me look. ' }, finish_reason: null }])),
        ...translator.push(
          chunk([
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":' } }] },
              finish_reason: null,
            },
          ]),
        ),
        ...translator.push(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"tea"}' } }] }, finish_reason: null }])),
        ...translator.push(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }])),
        ...translator.push(chunk([], { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 })),
        ...translator.finish(),
      ];
      assert.deepEqual(out, [
        { candidates: [{ content: { role: 'model', parts: [{ text: 'Let me look. ' }] }, index: 0 }], modelVersion: 'gpt-4o-mini', responseId: 'chatcmpl-1' },
        {
          candidates: [
            { content: { role: 'model', parts: [{ functionCall: { id: 'call_9', name: 'lookup', args: { q: 'tea' } } }] }, finishReason: 'STOP', index: 0 },
          ],
          modelVersion: 'gpt-4o-mini',
          responseId: 'chatcmpl-1',
          usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 6, totalTokenCount: 10 },
        },
      ]);
    });
  });

  describe('toGeminiError', () => {
    it("keeps a Gemini provider's status name and answers an upstream 503 as 502", () => {
      const quota = new GatewayError('upstream_error', 'quota', { status: 429, type: 'RESOURCE_EXHAUSTED', fromProvider: true });
      assert.deepEqual(toGeminiError(quota), { status: 429, body: { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } } });
      const overloaded = new GatewayError('upstream_error', 'overloaded', { status: 503, type: 'UNAVAILABLE', fromProvider: true });
      assert.deepEqual(toGeminiError(overloaded).body.error, { code: 502, message: 'overloaded', status: 'INTERNAL' });
      assert.equal(toGeminiError(new Error('secret detail')).body.error.message, 'internal gateway error');
    });
  });
});
