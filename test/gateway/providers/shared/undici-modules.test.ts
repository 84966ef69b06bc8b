import assert from 'node:assert/strict';
import * as undici from 'undici';
import { Agent, undiciErrors } from '../../../../gateway/providers/shared/undici-modules.js';

describe('undici modules loaded without the package index', () => {
  it('are the very Agent and error classes undici exports, so instanceof checks hold', () => {
    assert.equal(Agent, undici.Agent);
    assert.equal(undiciErrors.HeadersTimeoutError, undici.errors.HeadersTimeoutError);
    assert.equal(undiciErrors.BodyTimeoutError, undici.errors.BodyTimeoutError);
    assert.equal(undiciErrors.RequestAbortedError, undici.errors.RequestAbortedError);
  });
});
