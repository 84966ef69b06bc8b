import assert from 'node:assert/strict';
import { readBedrockErrorBody } from '../../../../gateway/providers/bedrock/errors.js';
import { finishReasonOf, fromConverseResponse } from '../../../../gateway/providers/bedrock/response.js';

const labels = { id: 'chatcmpl-1', model: 'anthropic.claude-3-haiku-20240307-v1:0', created: 1_700_000_000 };

describe('bedrock fromConverseResponse', () => {
  it('joins text blocks and reports usage, with cached prompt tokens', () => {
    const response = fromConverseResponse(
      {
        output: { message: { role: 'assistant', content: [{ text: 'Hello' }, { text: ' there' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 6, outputTokens: 2, totalTokens: 12, cacheReadInputTokens: 4 },
        metrics: { latencyMs: 100 },
      },
      labels,
    );
    assert.deepEqual(response, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: labels.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 4 } },
    });
  });

  it('counts cache reads and writes into prompt_tokens, as OpenAI does, so that prompt and completion make the total', () => {
    const response = fromConverseResponse(
      {
        output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
        stopReason: 'end_turn',
        // Converse's inputTokens leaves the cached tokens out; its totalTokens counts them.
        usage: { inputTokens: 4, outputTokens: 134, totalTokens: 1893, cacheReadInputTokens: 1655, cacheWriteInputTokens: 100 },
      },
      labels,
    );
    assert.deepEqual(response.usage, { prompt_tokens: 1759, completion_tokens: 134, total_tokens: 1893, prompt_tokens_details: { cached_tokens: 1655 } });
  });

  it('turns toolUse blocks into tool_calls with JSON arguments and finish_reason tool_calls', () => {
    const response = fromConverseResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_abc', name: 'get_weather', input: { city: 'Paris', unit: 'c' } } }],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 30, outputTokens: 20, totalTokens: 50 },
      },
      labels,
    );
    const choice = response.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, 'Let me check.');
    assert.deepEqual(choice?.message.tool_calls, [
      { id: 'tooluse_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
    ]);
  });

  it('answers content null when the model only called a tool', () => {
    const response = fromConverseResponse(
      { output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'f', input: {} } }] } }, stopReason: 'tool_use' },
      labels,
    );
    assert.equal(response.choices[0]?.message.content, null);
    assert.equal(response.usage, undefined);
  });

  it('maps every documented stop reason to a finish_reason', () => {
    assert.equal(finishReasonOf('end_turn'), 'stop');
    assert.equal(finishReasonOf('stop_sequence'), 'stop');
    assert.equal(finishReasonOf('max_tokens'), 'length');
    assert.equal(finishReasonOf('model_context_window_exceeded'), 'length');
    assert.equal(finishReasonOf('tool_use'), 'tool_calls');
    assert.equal(finishReasonOf('guardrail_intervened'), 'content_filter');
    assert.equal(finishReasonOf('content_filtered'), 'content_filter');
    assert.equal(finishReasonOf(undefined), null);
  });
});

describe('bedrock error bodies', () => {
  it('reads {message} and {Message}, naming the exception from __type or x-amzn-ErrorType', () => {
    assert.deepEqual(readBedrockErrorBody({ message: 'bad input' }), { message: 'bad input' });
    assert.deepEqual(readBedrockErrorBody({ Message: 'denied', __type: 'com.amazon.coral.service#AccessDeniedException' }), {
      message: 'denied',
      type: 'AccessDeniedException',
      code: 'AccessDeniedException',
    });
    assert.deepEqual(
      readBedrockErrorBody({ message: 'slow down' }, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' }),
      {
        message: 'slow down',
        type: 'ThrottlingException',
        code: 'ThrottlingException',
      },
    );
  });
});
