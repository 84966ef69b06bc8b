import assert from 'node:assert/strict';
import { addThreeNodes, createHarness, FP_NEW, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

/** Issue 14, item 8: a request shorter than the drain deadline is never cut by a rollout. */
describe('ReloaderController and long requests', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  const node = (name: string) => h.controller.status().nodes.find((n) => n.name === name)!;
  /** Three settled nodes on FP_OLD, `busyNode` holding `inFlight` requests, then an edit to FP_NEW. */
  async function editWhileBusy(drainTimeoutMs: number, busyNode: string, inFlight: number) {
    h = createHarness(FP_OLD, { drainTimeoutMs });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const busy = h.cluster.byName(busyNode);
    busy.inFlight = inFlight;
    h.edit(FP_NEW);
    return busy;
  }
  const drainMessages = () =>
    (h.controller.status().rollouts.current ?? h.controller.status().rollouts.previous[0])?.steps[0]?.events.filter((e) => e.phase.startsWith('drain')) ?? [];

  it('does not stop a node that holds a long request until the request is done, within the drain deadline', async () => {
    await editWhileBusy(10_000, 'gateway-1', 1);
    await waitUntil('gateway-1 draining', () => node('gateway-1').rollout_phase === 'draining');
    // Far longer than the other nodes' restarts take here: the rollout waits, it does not move on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(h.cluster.stops(), [], 'nothing is stopped while the request runs');
    assert.equal(node('gateway-1').in_rotation, false, 'it takes no new work meanwhile');
    assert.equal(node('gateway-1').in_flight, 1);

    h.cluster.byName('gateway-1').inFlight = 0;
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.deepEqual(
      drainMessages().map((e) => e.phase),
      ['draining', 'drained'],
      'stopped after the request, not at a deadline',
    );
    assert.equal(drainMessages()[0]!.message, 'waiting for 1 request(s) in flight (at most 10 s)');
    assert.equal(h.controller.status().rollouts.previous[0]!.outcome, 'complete');
  });

  it('shows in /status which node the rollout waits on and its count as it falls', async () => {
    const busy = await editWhileBusy(600_000, 'gateway-1', 3);
    for (const count of [3, 2, 1]) {
      busy.inFlight = count;
      await waitUntil(`/status showing ${count} in flight on gateway-1`, () => node('gateway-1').in_flight === count);
      assert.equal(node('gateway-1').rollout_phase, 'draining');
      assert.equal(node('gateway-2').rollout_phase, null, 'only the node waited on is in a rollout phase');
    }
    assert.deepEqual(
      h.controller
        .status()
        .rollouts.current?.steps[0]?.events.filter((e) => e.phase === 'draining')
        .map((e) => e.message),
      [3, 2, 1].map((n) => `waiting for ${n} request(s) in flight (at most 10 min)`),
    );
    busy.inFlight = 0;
    await h.controller.settle();
    assert.equal(node('gateway-1').in_flight, 0);
    assert.equal(h.controller.status().rollouts.previous[0]!.outcome, 'complete');
  });

  it('stops a node at the drain deadline if a request outlasts it, and says so', async () => {
    await editWhileBusy(100, 'gateway-2', 1);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    const events = h.controller.status().rollouts.previous[0]!.steps[1]!.events;
    assert.match(events.find((e) => e.phase === 'drain-timeout')?.message ?? '', /^still 1 in flight after the 100 ms drain deadline: stopping anyway/);
  });

  it('gives up a drain when the reloader shuts down: the node is never stopped and goes back into rotation', async () => {
    await editWhileBusy(600_000, 'gateway-1', 1);
    await waitUntil('gateway-1 draining', () => node('gateway-1').rollout_phase === 'draining');
    const stopping = Date.now();
    await h.controller.stop();
    assert.ok(Date.now() - stopping < 2000, 'the reloader stops within its grace period, not after the drain deadline');
    assert.deepEqual(h.cluster.stops(), []);
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3'], 'the node serves again');
    const rollout = h.controller.status().rollouts.previous[0]!;
    assert.equal(rollout.outcome, 'paused');
    assert.match(rollout.reason ?? '', /shutting down/);
    assert.equal(h.controller.status().halted, null, 'not a halt: the next reloader rolls the node');
  });
});
