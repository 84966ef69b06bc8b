import assert from 'node:assert/strict';
import { GatewayError } from '../../gateway/core/errors.js';

/** The GatewayError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function caughtGatewayError(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail('expected a GatewayError');
}
