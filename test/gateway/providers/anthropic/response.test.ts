import assert from 'node:assert/strict';
import { toChatResponse, toFinishReason } from '../../../../gateway/providers/anthropic/response.js';
import type { AnthropicResponse } from '../../../../gateway/providers/anthropic/types.js';
import { readFixture } from './fixture-helpers.js';

const load = (name: string) => JSON.parse(readFixture(import.meta.url, name)) as AnthropicResponse;

describe('anthropic toChatResponse', () => {
  it('turns text and tool_use blocks into content and tool_calls', () => {
    const chat = toChatResponse(load('tool-response.json'), 1700000000);
    assert.equal(chat.id, 'msg_01Aq9w938a90dw8q');
    assert.equal(chat.model, 'claude-sonnet-4-5-20250929');
    const choice = chat.choices[0];
    assert.equal(choice?.message.content, "I'll check the current weather in San Francisco for you.");
    assert.deepEqual(choice?.message.tool_calls, [
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
      },
    ]);
    assert.equal(choice?.finish_reason, 'tool_calls');
  });

  it('counts cache reads into prompt_tokens, as OpenAI does', () => {
    const chat = toChatResponse(load('tool-response.json'));
    assert.deepEqual(chat.usage, { prompt_tokens: 484, completion_tokens: 95, total_tokens: 579, prompt_tokens_details: { cached_tokens: 100 } });
  });

  it('maps max_tokens to length', () => {
    const chat = toChatResponse(load('text-response.json'));
    assert.equal(chat.choices[0]?.finish_reason, 'length');
    assert.deepEqual(chat.usage, { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 });
  });

  it('maps every stop reason', () => {
    assert.equal(toFinishReason('end_turn'), 'stop');
    assert.equal(toFinishReason('stop_sequence'), 'stop');
    assert.equal(toFinishReason('max_tokens'), 'length');
    assert.equal(toFinishReason('tool_use'), 'tool_calls');
    assert.equal(toFinishReason('refusal'), 'content_filter');
    assert.equal(toFinishReason(null), null);
  });
});
