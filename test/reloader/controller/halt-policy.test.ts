import assert from 'node:assert/strict';
import { shouldResume } from '../../../reloader/controller/halt-policy.js';
import type { HaltCause } from '../../../reloader/rollout/run.js';

describe('shouldResume', () => {
  const halt = (cause: HaltCause) => ({ fingerprint: 'sha256:t', node: 'gateway-1', cause, reason: '' });
  const all = { desired: 'sha256:t', fileValid: true, dockerReachable: true };

  it('resumes an API outage once the API answers, whatever the file', () => {
    assert.equal(shouldResume(halt('docker-unavailable'), { ...all, fileValid: false }), true);
    assert.equal(shouldResume(halt('docker-unavailable'), { ...all, dockerReachable: false }), false);
  });

  it('resumes a node broken by an invalid file once the file is valid', () => {
    assert.equal(shouldResume(halt('config-invalid'), all), true);
    assert.equal(shouldResume(halt('config-invalid'), { ...all, fileValid: false }), false);
  });

  it('never resumes a node that failed on a valid file, or another step error, by itself', () => {
    assert.equal(shouldResume(halt('node-unhealthy'), all), false);
    assert.equal(shouldResume(halt('step-error'), all), false);
  });
});
