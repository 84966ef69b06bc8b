import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal } from '../../../reloader/rollout/restart-journal.js';
import { addThreeNodes, createHarness, FP_NEW, FP_NEWER, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

describe('ReloaderController rollouts', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  it('restarts the nodes one at a time in container-number order, each out of rotation first', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), [], 'nothing to do while every node runs the file');

    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    // Before each stop, the last rotation applied must leave exactly that node out.
    const calls = h.cluster.calls;
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) {
      const stopAt = calls.indexOf(`stop ${name}`);
      const rotationBefore =
        calls
          .slice(0, stopAt)
          .filter((c) => c.startsWith('rotation '))
          .at(-1) ?? '';
      assert.ok(!rotationBefore.includes(name), `${name} still in rotation when stopped: ${rotationBefore}`);
      assert.equal(rotationBefore.split(',').length, 2, 'never two nodes out at once');
      assert.equal(calls[stopAt + 1], `start ${name}`);
    }
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3']);
    for (const node of h.cluster.nodes.values()) assert.equal(node.fingerprint, FP_NEW);

    const status = h.controller.status();
    const rollout = status.rollouts.previous[0]!;
    assert.equal(rollout.outcome, 'complete');
    assert.deepEqual(
      rollout.steps.map((s) => [s.node, s.position, s.outcome]),
      [
        ['gateway-1', '1/3', 'ok'],
        ['gateway-2', '2/3', 'ok'],
        ['gateway-3', '3/3', 'ok'],
      ],
    );
    // Every phase of a node's restart is on record, in order, as a code for the benchmark and
    // in words for people.
    const events = rollout.steps[1]!.events;
    assert.deepEqual(
      events.map((e) => e.phase),
      ['out-of-rotation', 'drained', 'restarting', 'stopped', 'started', 'healthy', 'back-in-rotation'],
    );
    assert.equal(events[0]!.message, 'out of rotation');
    assert.match(events[5]!.message, /^healthy on sha256:111111111111… after \d+\.\d s$/);
    assert.ok(status.nodes.every((n) => n.up_to_date && n.in_rotation));
    assert.ok(h.lines.some((l) => /^config changed \(sha256:000000000000… -> sha256:111111111111…\)$/.test(l)));
    assert.ok(h.lines.includes('node 2/3 gateway-2 out of rotation'));
    assert.ok(h.lines.includes('node 2/3 gateway-2 restarting'));
    assert.ok(h.lines.some((l) => /^node 2\/3 gateway-2 healthy on sha256:111111111111… after \d+\.\d s$/.test(l)));
    assert.ok(h.lines.some((l) => /^rollout complete in \d+\.\d s$/.test(l)));
    assert.match(await h.metrics.registry.metrics(), /reloader_rollouts_total\{outcome="complete"\} 1/);
  });

  it('shows in /status where the node being restarted is: its phase, and Docker and /health as they are now', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 2000 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const start = h.cluster.docker.start;
    h.cluster.docker.start = async (id) => {
      await held;
      return start(id);
    };
    h.cluster.dockerHealthOnStart = 'starting';
    const node = (name: string) => h.controller.status().nodes.find((n) => n.name === name)!;
    h.edit(FP_NEW);
    await waitUntil('gateway-1 stopped', () => node('gateway-1').rollout_phase === 'stopped');
    assert.equal(node('gateway-2').rollout_phase, null);
    release();
    await waitUntil(
      'gateway-1 seen starting on the new file',
      () => node('gateway-1').docker_health === 'starting' && node('gateway-1').fingerprint === FP_NEW,
    );
    assert.equal(node('gateway-1').rollout_phase, 'started');
    h.cluster.byName('gateway-1').health = 'healthy';
    h.cluster.dockerHealthOnStart = 'healthy';
    await h.controller.settle();
    assert.ok(h.controller.status().nodes.every((n) => n.rollout_phase === null && n.fingerprint === FP_NEW));
  });

  it('shows which node the rollout waits on while it drains, and for how many requests', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const busy = h.cluster.byName('gateway-1');
    busy.inFlight = 2;
    setTimeout(() => (busy.inFlight = 1), 30);
    setTimeout(() => (busy.inFlight = 0), 60);
    h.edit(FP_NEW);
    await h.controller.settle();
    const events = h.controller.status().rollouts.previous[0]!.steps[0]!.events;
    assert.deepEqual(
      events.filter((e) => e.phase === 'draining').map((e) => e.message),
      ['waiting for 2 request(s) in flight (at most 500 ms)', 'waiting for 1 request(s) in flight (at most 500 ms)'],
    );
    assert.ok(h.lines.includes('node 1/3 gateway-1 waiting for 2 request(s) in flight (at most 500 ms)'));
  });

  it("waits for Docker's health check as well as /health before putting a restarted node back", async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    // The node answers /health at once, but Docker has not run its first check yet.
    h.cluster.dockerHealthOnStart = 'starting';
    await h.controller.start();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1'], 'the rollout does not move on while Docker says starting');
    assert.match(
      h.controller
        .status()
        .rollouts.previous[0]?.steps[0]?.events.map((e) => e.message)
        .join('\n') ?? '',
      /Docker health starting/,
    );
  });

  it('does not put back a node that Docker reports unhealthy, even if its /health answers', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    h.cluster.dockerHealthOnStart = 'unhealthy';
    await h.controller.start();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1'], 'the rollout halts at the first node');
    const rollout = h.controller.status().rollouts.previous[0];
    assert.equal(rollout?.outcome, 'failed');
    assert.match(rollout?.steps[0]?.events.map((e) => e.message).join('\n') ?? '', /Docker health unhealthy/);
    assert.ok(!(h.cluster.rotations.at(-1) ?? []).includes('gateway-1'), 'the unhealthy node stays out of rotation');
  });

  it('halts at a node that does not come back, shows why with its last log lines, and restarts it first next time', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    h.cluster.failing.add('gateway-2');
    await h.controller.start();
    await h.controller.settle();

    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2'], 'gateway-3 must not be touched after the failure');
    assert.equal(h.cluster.byName('gateway-3').fingerprint, FP_OLD);
    const status = h.controller.status();
    const failed = status.rollouts.previous[0]!;
    assert.equal(failed.outcome, 'failed');
    assert.match(failed.reason ?? '', /gateway-2 did not come back healthy/);
    const step = failed.steps.at(-1)!;
    assert.equal(step.node, 'gateway-2');
    assert.equal(step.outcome, 'failed');
    assert.match(step.error ?? '', /within 300 ms/);
    assert.deepEqual(step.log_tail, ['gateway-2: listening', 'gateway-2: fatal: cannot reach upstream']);
    assert.equal(status.halted?.node, 'gateway-2');
    assert.deepEqual(h.cluster.currentRotation(), ['gateway-1@10.0.0.11', 'gateway-3@10.0.0.13'], 'the others keep serving');

    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.equal(h.cluster.stops().length, 2, 'a halted rollout is not retried by the periodic reconcile');

    h.cluster.failing.delete('gateway-2');
    h.edit(FP_NEWER);
    await h.controller.settle();
    // The failed node first, then on from where the halted rollout stopped.
    assert.deepEqual(h.cluster.stops().slice(2), ['gateway-2', 'gateway-3', 'gateway-1']);
    assert.equal(h.controller.status().rollouts.previous[0]!.outcome, 'complete');
    assert.match(await h.metrics.registry.metrics(), /reloader_rollouts_total\{outcome="failed"\} 1/);
  });

  it('carries an edit made during a rollout to every node, restarting nodes done on older content again', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['stop gateway-2'] = () => {
      h.cluster.hooks = {};
      h.edit(FP_NEWER);
    };
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(
      h.cluster.calls.filter((c) => !c.startsWith('rotation')),
      [
        'stop gateway-1',
        'start gateway-1',
        'stop gateway-2',
        'start gateway-2', // not interrupted by the edit
        'stop gateway-3',
        'start gateway-3',
        'stop gateway-1', // it had been restarted on the older file
        'start gateway-1',
      ],
    );
    for (const node of h.cluster.nodes.values()) assert.equal(node.fingerprint, FP_NEWER);
    const { previous } = h.controller.status().rollouts;
    assert.equal(previous.length, 1, 'one rollout, not two');
    assert.deepEqual(previous[0]!.targets, [FP_NEW, FP_NEWER]);
  });

  it('on start, rolls only the nodes that do not run the file', async () => {
    h = createHarness(FP_NEW);
    addThreeNodes(h, FP_NEW);
    h.cluster.byName('gateway-2').fingerprint = FP_OLD;
    await h.controller.start();
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-2']);
    assert.equal(h.controller.status().rollouts.previous[0]!.trigger, 'startup');
  });

  it('restarts the only node with a downtime warning', async () => {
    h = createHarness(FP_OLD);
    h.cluster.addNode('gateway-1', 1, FP_OLD);
    await h.controller.start();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1']);
    assert.ok(h.lines.includes('node 1/1 gateway-1 restarting the only node: clients will see downtime'));
    assert.equal(h.cluster.byName('gateway-1').fingerprint, FP_NEW);
  });

  it('does not restart the last healthy node while the other one is down', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 200 });
    h.cluster.addNode('gateway-1', 1, FP_OLD);
    h.cluster.addNode('gateway-2', 2, FP_OLD).state = 'exited';
    await h.controller.start();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), []);
    assert.match(h.controller.status().waiting ?? '', /gateway-1 is the last healthy node/);
  });

  it('starts a node that a previous run stopped and never started again (killed mid-restart)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-journal-'));
    try {
      const journal = createFileJournal(dir);
      h = createHarness(FP_OLD, { journal });
      addThreeNodes(h, FP_OLD);
      const stopped = h.cluster.byName('gateway-2');
      stopped.state = 'exited';
      await journal.begin({ id: stopped.id, name: 'gateway-2', at: new Date().toISOString() });
      await h.controller.start();
      await h.controller.settle();
      assert.deepEqual(
        h.cluster.calls.filter((c) => !c.startsWith('rotation')),
        ['start gateway-2'],
      );
      assert.equal(await journal.read(), undefined, 'the entry is cleared');
      assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
