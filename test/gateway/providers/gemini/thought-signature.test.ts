import assert from 'node:assert/strict';
import { toGeminiRequest } from '../../../../gateway/providers/gemini/request.js';
import { toChatResponse } from '../../../../gateway/providers/gemini/response.js';
import { loadJsonFixture } from './fixture-helpers.js';

describe('gemini thought signatures on function calls', () => {
  it('carries a call thoughtSignature through the tool call id and puts it back on the next turn', () => {
    const response = toChatResponse(loadJsonFixture('tool-thought-signature-response.json'), 'gemini-3-flash-preview');
    const calls = response.choices[0]?.message.tool_calls ?? [];
    assert.match(calls[0]?.id ?? '', /^call_[0-9a-f]{24}__thought__CiQBcsjafGw3dpVq0ZaX2BA5gMjQ9Ew\+Ea1vSg==$/);
    assert.match(calls[1]?.id ?? '', /^call_[0-9a-f]{24}$/);

    const next = toGeminiRequest({
      model: 'gemini-3-flash-preview',
      messages: [
        { role: 'user', content: 'Check AA100 and book a taxi' },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]?.id, content: '{"status":"delayed"}' },
        { role: 'tool', tool_call_id: calls[1]?.id, content: '{"booked":true}' },
      ],
    });
    // Exactly as Gemini sent them: the signature on the first call only.
    assert.deepEqual(next.contents[1], {
      role: 'model',
      parts: [
        { functionCall: { name: 'check_flight', args: { flight: 'AA100' } }, thoughtSignature: 'CiQBcsjafGw3dpVq0ZaX2BA5gMjQ9Ew+Ea1vSg==' },
        { functionCall: { name: 'book_taxi', args: { time: '10 AM' } } },
      ],
    });
    assert.deepEqual(
      next.contents[2]?.parts.map((part) => part.functionResponse?.name),
      ['check_flight', 'book_taxi'],
    );
  });
});
