import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/core/errors.js';
import { parseModelRef } from '../../../gateway/core/model-ref.js';

describe('parseModelRef', () => {
  it('splits at the first slash', () => {
    assert.deepEqual(parseModelRef('openai/gpt-4o'), { provider: 'openai', model: 'gpt-4o' });
    assert.deepEqual(parseModelRef('openrouter/anthropic/claude-3.5'), { provider: 'openrouter', model: 'anthropic/claude-3.5' });
  });

  for (const bad of [undefined, '', 42, 'gpt-4o', '/gpt-4o', 'openai/']) {
    it(`refuses ${JSON.stringify(bad)} with 400`, () => {
      assert.throws(
        () => parseModelRef(bad),
        (error: unknown) => error instanceof GatewayError && error.status === 400,
      );
    });
  }
});
