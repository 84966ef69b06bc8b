import assert from 'node:assert/strict';
import { addThreeNodes, createHarness, FP_NEW, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

/** Nodes leaving for any reason leave nginx's rotation at once (issue 14, item 2). */
describe('ReloaderController on node events', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  const rotationIs = (names: string[]) => JSON.stringify(h.cluster.rotations.at(-1)) === JSON.stringify(names);

  it('takes a node out of rotation as soon as it is asked to stop (scale down, docker stop), without waiting for the periodic pass', async () => {
    h = createHarness(FP_OLD); // periodic pass: once an hour
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    assert.ok(rotationIs(['gateway-1', 'gateway-2', 'gateway-3']));

    // compose sends SIGTERM: Docker reports `kill`, the node answers /health 503 draining.
    h.cluster.byName('gateway-3').draining = true;
    h.cluster.emit('gateway-3', 'kill');
    await waitUntil('gateway-3 out of rotation', () => rotationIs(['gateway-1', 'gateway-2']), 1000);
    assert.deepEqual(h.cluster.stops(), [], 'nothing is restarted for it');
  });

  it('takes a killed node out at once, and puts it back when it is started and healthy again', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.byName('gateway-2').state = 'exited'; // SIGKILL, OOM
    h.cluster.emit('gateway-2', 'die');
    await waitUntil('gateway-2 out of rotation', () => rotationIs(['gateway-1', 'gateway-3']), 1000);
    h.cluster.byName('gateway-2').state = 'running'; // restart policy
    h.cluster.emit('gateway-2', 'health_status');
    await waitUntil('gateway-2 back in rotation', () => rotationIs(['gateway-1', 'gateway-2', 'gateway-3']), 1000);
  });

  it('during a rollout, drops a node that dies at once while keeping the node being restarted out', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const start = h.cluster.docker.start;
    h.cluster.docker.start = async (id) => {
      if (id === h.cluster.byName('gateway-1').id) await held;
      return start(id);
    };
    h.cluster.hooks['stop gateway-1'] = () => {
      h.cluster.hooks = {};
      h.cluster.byName('gateway-3').state = 'exited';
      h.cluster.emit('gateway-3', 'die');
    };
    h.edit(FP_NEW);
    await waitUntil('gateway-3 out while gateway-1 restarts', () => rotationIs(['gateway-2']), 1000);
    release();
    await h.controller.settle();
    assert.deepEqual(h.cluster.rotations.slice(0, 4), [
      ['gateway-1', 'gateway-2', 'gateway-3'],
      ['gateway-2', 'gateway-3'], // gateway-1 out for its restart
      ['gateway-2'], // gateway-3 died: out at once, gateway-1 still held out
      ['gateway-1', 'gateway-2'], // gateway-1 back
    ]);
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2'], 'the rollout goes on with the nodes that remain');
  });

  it("the rollout's own stops and starts (Docker's events for them) change nothing in the order or the rotation", async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    h.cluster.emitsEvents = true;
    await h.controller.start();
    await h.controller.settle();
    h.edit(FP_NEW);
    await waitUntil('the rollout to complete', () => h.controller.status().rollouts.previous[0]?.outcome === 'complete');
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) {
      const stopAt = h.cluster.calls.indexOf(`stop ${name}`);
      const startAt = h.cluster.calls.indexOf(`start ${name}`);
      const during = h.cluster.calls.slice(0, startAt).filter((c) => c.startsWith('rotation '));
      assert.ok(!(during.at(-1) ?? '').includes(name), `${name} in rotation while restarting`);
      assert.ok(stopAt < startAt);
    }
    assert.ok(rotationIs(['gateway-1', 'gateway-2', 'gateway-3']));
  });

  it('never starts a node someone else is stopping (docker stop, scripts/rolling-replace.sh), even when an edit rolls the others; once started again it is rolled', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    h.cluster.emitsEvents = true;
    await h.controller.start();
    await h.controller.settle();
    // An operator's `docker stop gateway-3`: SIGTERM, a long drain (Docker's checks fail on the
    // 503s meanwhile), then the listener closes while the process is still exiting.
    const leaving = h.cluster.byName('gateway-3');
    h.cluster.emit('gateway-3', 'kill');
    leaving.broken = true;
    leaving.health = 'unhealthy';
    h.edit(FP_NEW);
    await waitUntil('the rollout to end', () => h.controller.status().rollouts.previous[0]?.outcome === 'complete');
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2'], 'gateway-3 is left to the one stopping it');
    assert.ok(!h.cluster.calls.includes('start gateway-3'));

    leaving.state = 'exited';
    h.cluster.emit('gateway-3', 'die');
    await h.controller.settle();
    await h.cluster.docker.start(leaving.id); // started again by hand: it loads the file it finds
    leaving.fingerprint = FP_OLD; // ...as if the file had changed back and forth meanwhile
    h.edit(FP_NEW);
    await waitUntil('gateway-3 rolled', () => h.cluster.stops().includes('gateway-3'));
    await h.controller.settle();
    assert.equal(h.controller.status().nodes.find((n) => n.name === 'gateway-3')?.fingerprint, FP_NEW);
  });
});
