import assert from 'node:assert/strict';
import { addThreeNodes, createHarness, FP_NEW, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

/** What the reloader does while the file is invalid or missing in the middle of a rollout. */
describe('ReloaderController while the config file is invalid or missing', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  const allOn = (fingerprint: string) => [...h.cluster.nodes.values()].every((n) => n.fingerprint === fingerprint);

  for (const [what, spoil] of [
    ['invalid', (harness: Harness) => harness.breakFile()],
    ['deleted', (harness: Harness) => harness.removeFile()],
  ] as const) {
    it(`a file ${what} mid-rollout: the passes that follow wait, opening no rollout, and the rollout goes on once it is fixed`, async () => {
      h = createHarness(FP_OLD);
      addThreeNodes(h, FP_OLD);
      await h.controller.start();
      await h.controller.settle();
      h.cluster.hooks['start gateway-1'] = () => {
        h.cluster.hooks = {};
        spoil(h); // saved while gateway-1 restarts: the rollout pauses before the next node
      };
      h.edit(FP_NEW);
      await h.controller.settle();
      const paused = h.controller.status().rollouts.previous[0]!;
      assert.equal(paused.outcome, 'paused');
      const startedLines = () => h.lines.filter((l) => l.startsWith('rollout started')).length;
      const startedBefore = startedLines();

      for (let i = 0; i < 12; i++) {
        h.controller.trigger('reconcile'); // a minute of periodic passes
        await h.controller.settle();
      }
      const status = h.controller.status();
      assert.deepEqual(
        status.rollouts.previous.map((r) => r.id),
        [paused.id],
        'the real rollout stays on record: no empty rollout per pass',
      );
      assert.equal(startedLines(), startedBefore);
      assert.match(await h.metrics.registry.metrics(), /reloader_rollouts_total\{outcome="paused"\} 1\n/);
      assert.match(status.waiting ?? '', what === 'invalid' ? /config file is invalid \(1 issue\(s\)\)/ : /config file cannot be read \(.*ENOENT\)/);
      assert.equal(h.lines.filter((l) => l === status.waiting).length, 1, 'said once, not on every pass');
      assert.deepEqual(h.cluster.stops(), ['gateway-1']);

      h.edit(FP_NEW); // fixed back to the very target: no new fingerprint, the rollout goes on by itself
      await h.controller.settle();
      assert.ok(allOn(FP_NEW));
      assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
      assert.equal(h.controller.status().waiting, null);
      assert.equal(h.controller.status().rollouts.previous[0]?.outcome, 'complete');
    });
  }

  it('a save that breaks the file while a node drains: the node goes back in rotation unrestarted, the rollout pauses, and goes on once fixed', async () => {
    h = createHarness(FP_OLD, { drainTimeoutMs: 60_000, healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const draining = h.cluster.byName('gateway-1');
    draining.inFlight = 1; // a long request keeps it draining
    h.edit(FP_NEW);
    const phase = () => h.controller.status().nodes.find((n) => n.name === 'gateway-1')?.rollout_phase;
    await waitUntil('gateway-1 draining', () => phase() === 'draining');
    h.breakFile();
    h.cluster.failing.add('gateway-1'); // started on the broken file it would crash
    draining.inFlight = 0;
    await h.controller.settle();

    assert.deepEqual(h.cluster.stops(), [], 'not restarted onto the broken file');
    assert.deepEqual(h.cluster.currentRotation(), ['gateway-1@10.0.0.11', 'gateway-2@10.0.0.12', 'gateway-3@10.0.0.13'], 'back in rotation');
    const status = h.controller.status();
    assert.equal(status.halted, null);
    const rollout = status.rollouts.previous[0]!;
    assert.equal(rollout.outcome, 'paused');
    assert.deepEqual(
      rollout.steps[0]?.events.map((e) => e.phase),
      ['out-of-rotation', 'draining', 'drained', 'failed'],
    );
    assert.match(rollout.steps[0]?.error ?? '', /config file is not valid right now: the node was not restarted \(back in rotation\)/);
    assert.match(status.waiting ?? '', /config file is invalid/);

    h.cluster.failing.delete('gateway-1');
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.ok(allOn(FP_NEW));
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
  });
});
