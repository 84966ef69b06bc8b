import assert from 'node:assert/strict';
import { addThreeNodes, createHarness, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

/** POST /rollout when the nodes already run the file: the request is owed until every node has been restarted. */
describe('ReloaderController POST /rollout kept until served', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  const restarts = () => h.cluster.calls.filter((c) => !c.startsWith('rotation'));
  const pending = () => h.controller.status().manual_rollout?.pending;

  it('a request that must wait (a node still booting) stays pending in /status and is served once the node serves', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const booting = h.cluster.byName('gateway-3');
    Object.assign(booting, { health: 'starting', broken: true }); // crashed and started again by Docker, say

    assert.equal(h.controller.requestRollout(), 'started');
    await h.controller.settle();
    assert.match(h.controller.status().waiting ?? '', /waiting for gateway-3 to start/);
    assert.deepEqual(h.cluster.stops(), []);
    assert.deepEqual(pending(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.match(h.controller.status().manual_rollout?.requested_at ?? '', /^\d{4}-\d\d-\d\dT/);

    Object.assign(booting, { health: 'healthy', broken: false });
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.equal(h.controller.status().manual_rollout, null, 'served');

    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.equal(h.cluster.stops().length, 3, 'and not again');
  });

  it('a request cut short by the Docker API after a node stopped: the rest are restarted once the API is back, that node not twice', async () => {
    h = createHarness(FP_OLD, { dockerRetryMs: 20 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['stop gateway-2'] = () => {
      h.cluster.hooks = {};
      h.cluster.dockerDown = true; // the stop went through; the start will not
    };
    h.controller.requestRollout();
    await waitUntil('the rollout to fail', () => h.controller.status().rollouts.previous[0]?.outcome === 'failed');
    assert.deepEqual(pending(), ['gateway-3'], 'gateway-2 was stopped: it loads the file as it starts again');

    h.cluster.dockerDown = false;
    await waitUntil('the request served', () => h.controller.status().manual_rollout === null && h.controller.status().rollouts.current === null);
    assert.deepEqual(restarts(), [
      'stop gateway-1',
      'start gateway-1',
      'stop gateway-2',
      'start gateway-2', // from the journal, once the API answered
      'stop gateway-3',
      'start gateway-3',
    ]);
  });

  it('a request paused by an invalid save: the rest are restarted once the file is valid again', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['start gateway-1'] = () => {
      h.cluster.hooks = {};
      h.breakFile();
    };
    h.controller.requestRollout();
    await h.controller.settle();
    assert.equal(h.controller.status().rollouts.previous[0]?.outcome, 'paused');
    assert.deepEqual(h.cluster.stops(), ['gateway-1']);
    assert.deepEqual(pending(), ['gateway-2', 'gateway-3']);

    h.edit(FP_OLD); // fixed: the same content as before, so no new target
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.equal(h.controller.status().manual_rollout, null);
  });
});
