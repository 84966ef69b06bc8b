/**
 * What the Kubernetes probes in deploy/kubernetes rely on, against a running node: readiness
 * (/health) turns 503 once the node drains, liveness (/metrics) keeps answering 200 for the
 * whole drain, in both drain modes, so a long drain is never ended by a liveness restart.
 */
import assert from 'node:assert/strict';
import { MockUpstream } from '../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../support/start-gateway.js';

for (const drainMode of ['serve', 'refuse'] as const) {
  describe(`probe endpoints while draining (DRAIN_MODE=${drainMode})`, () => {
    let upstream: MockUpstream;
    let gateway: RunningGateway;

    beforeEach(async () => {
      upstream = await MockUpstream.start();
      gateway = await startGateway(JSON.stringify(providerConfig(upstream.url)), { sleep: async () => undefined, drainMode });
    });

    afterEach(async () => {
      await gateway.close();
      await upstream.close();
    });

    it('readiness /health goes 503, liveness /metrics stays 200', async () => {
      assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
      assert.equal((await fetch(`${gateway.url}/metrics`)).status, 200);
      gateway.deps.lifecycle.beginDrain();
      const health = await fetch(`${gateway.url}/health`);
      assert.equal(health.status, 503);
      await health.arrayBuffer();
      const metrics = await fetch(`${gateway.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /# TYPE /);
    });
  });
}
