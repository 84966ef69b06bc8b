import assert from 'node:assert/strict';
import { toChatResponse, toFinishReason } from '../../../../gateway/providers/gemini/response.js';
import { loadJsonFixture } from './fixture-helpers.js';

describe('gemini toChatResponse', () => {
  it('joins text parts and reports usage, counting thinking tokens as completion tokens', () => {
    const response = toChatResponse(loadJsonFixture('text-response.json'), 'gemini-2.5-flash');
    assert.equal(response.object, 'chat.completion');
    assert.equal(response.id, 'mKdKaJ-RBPSlz7IPs4Tz2Ag');
    assert.equal(response.model, 'gemini-2.5-flash');
    assert.deepEqual(response.choices, [{ index: 0, message: { role: 'assistant', content: 'AI learns patterns from data.' }, finish_reason: 'stop' }]);
    assert.deepEqual(response.usage, {
      prompt_tokens: 8,
      completion_tokens: 22,
      total_tokens: 30,
      completion_tokens_details: { reasoning_tokens: 16 },
    });
  });

  it('turns functionCall parts into tool_calls with distinct ids that are the same every time', () => {
    const first = toChatResponse(loadJsonFixture('tool-response.json'), 'gemini-2.0-flash');
    const again = toChatResponse(loadJsonFixture('tool-response.json'), 'gemini-2.0-flash');
    const choice = first.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const calls = choice?.message.tool_calls ?? [];
    assert.deepEqual(
      calls.map((call) => [call.type, call.function.name, JSON.parse(call.function.arguments)]),
      [
        ['function', 'get_weather', { location: 'Paris', unit: 'celsius' }],
        ['function', 'get_time', { timezone: 'Europe/Paris' }],
      ],
    );
    assert.match(calls[0]?.id ?? '', /^call_[0-9a-f]{24}$/);
    assert.notEqual(calls[0]?.id, calls[1]?.id);
    assert.deepEqual(again.choices[0]?.message.tool_calls, calls);
  });

  it('keeps a function call id Gemini supplied', () => {
    const fixture = loadJsonFixture('tool-response.json');
    fixture.candidates[0].content.parts[0].functionCall.id = 'fc-123';
    const calls = toChatResponse(fixture, 'm').choices[0]?.message.tool_calls ?? [];
    assert.equal(calls[0]?.id, 'fc-123');
  });

  it('maps MAX_TOKENS to length and SAFETY to content_filter', () => {
    assert.equal(toChatResponse(loadJsonFixture('max-tokens-response.json'), 'm').choices[0]?.finish_reason, 'length');
    const safety = toChatResponse(loadJsonFixture('safety-response.json'), 'm');
    assert.deepEqual(safety.choices[0], { index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' });
    assert.deepEqual(safety.usage, { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
  });

  it('answers a blocked prompt (no candidates) with an empty content_filter choice', () => {
    const response = toChatResponse(loadJsonFixture('prompt-blocked-response.json'), 'm');
    assert.deepEqual(response.choices, [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }]);
  });

  it('maps every documented finish reason', () => {
    const table: [string, boolean, string | null][] = [
      ['STOP', false, 'stop'],
      ['STOP', true, 'tool_calls'],
      ['MAX_TOKENS', false, 'length'],
      ['MAX_TOKENS', true, 'length'],
      ['RECITATION', false, 'content_filter'],
      ['BLOCKLIST', false, 'content_filter'],
      ['PROHIBITED_CONTENT', false, 'content_filter'],
      ['SPII', false, 'content_filter'],
      ['LANGUAGE', false, 'stop'],
      ['MALFORMED_FUNCTION_CALL', false, 'stop'],
      ['OTHER', false, 'stop'],
      ['FINISH_REASON_UNSPECIFIED', false, null],
    ];
    assert.deepEqual(
      table.map(([reason, tools]) => toFinishReason(reason, tools)),
      table.map(([, , expected]) => expected),
    );
  });
});
