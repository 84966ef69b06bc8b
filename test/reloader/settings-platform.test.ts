import assert from 'node:assert/strict';
import { readSettings } from '../../reloader/settings.js';

describe('readSettings: RELOADER_PLATFORM', () => {
  it('is compose by default and swarm on request, with the swarm defaults', () => {
    assert.equal(readSettings({}).platform, 'compose');
    const swarm = readSettings({ RELOADER_PLATFORM: 'swarm' });
    assert.equal(swarm.platform, 'swarm');
    assert.equal(swarm.swarmService, 'gateway');
    assert.equal(swarm.swarmConfigTarget, '/config/config.json');
    assert.equal(swarm.swarmKeepConfigs, 3);
  });

  it('points Kubernetes users at the manifests, and rejects anything else', () => {
    assert.throws(() => readSettings({ RELOADER_PLATFORM: 'kubernetes' }), /no reloader runs on Kubernetes/);
    assert.throws(() => readSettings({ RELOADER_PLATFORM: 'nomad' }), /must be compose or swarm/);
  });
});
