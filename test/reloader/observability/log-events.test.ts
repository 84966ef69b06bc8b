import assert from 'node:assert/strict';
import { addThreeNodes, createHarness, FP_NEW, FP_NEWER, FP_OLD, type Harness } from '../controller-harness.js';

describe('reloader log lines', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  it('every line of a rollout (halted, an invalid edit, resumed, Docker down and back) carries a kebab-case event', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    h.cluster.failing.add('gateway-2');
    await h.controller.start();
    await h.controller.settle();
    h.edit(FP_NEW);
    await h.controller.settle();
    h.breakFile();
    h.cluster.failing.delete('gateway-2');
    h.edit(FP_NEWER);
    await h.controller.settle();
    h.cluster.dockerDown = true;
    h.controller.trigger('reconcile');
    await h.controller.settle();
    h.cluster.dockerDown = false;
    h.controller.trigger('reconcile');
    await h.controller.settle();

    assert.ok(h.records.length > 20, `a rollout's worth of lines, got ${h.records.length}`);
    const without = h.records.filter((r) => typeof r.event !== 'string' || !/^[a-z]+(-[a-z]+)*$/.test(r.event));
    assert.deepEqual(without, [], 'lines without a kebab-case event');
    const events = new Set(h.records.map((r) => r.event));
    for (const event of [
      'config-loaded',
      'config-changed',
      'config-invalid',
      'rollout-started',
      'node-restarting',
      'node-failed',
      'rollout-halted',
      'rollout-complete',
      'docker-unavailable',
      'docker-reachable',
    ]) {
      assert.ok(events.has(event), `no ${event} line among ${[...events].join(', ')}`);
    }
    // The node step lines carry the same phase code as /status's step notes.
    const failed = h.controller.status().rollouts.previous.find((r) => r.outcome === 'failed')!;
    assert.equal(failed.steps.at(-1)!.events.at(-1)!.phase, 'failed');
    assert.ok(h.records.some((r) => r.event === 'node-failed' && r.phase === 'failed' && r.node === 'gateway-2'));
  });

  it('logs an unexpected failure of a reconcile pass with its stack', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    // A bug outside the Docker calls (here: the metrics) fails the pass itself.
    h.metrics.rollouts.inc = () => {
      throw new Error('boom in the metrics');
    };
    h.edit(FP_NEW);
    await h.controller.settle();
    const line = h.records.find((r) => r.msg === 'reconcile pass failed');
    assert.ok(line, 'the failed pass is logged');
    assert.equal(line.event, 'reconcile-failed');
    const err = line.err as { message?: string; stack?: string; type?: string };
    assert.equal(err.message, 'boom in the metrics');
    assert.match(err.stack ?? '', /boom in the metrics\n\s+at /);
  });
});
