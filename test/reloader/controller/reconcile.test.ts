import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createReloaderApp } from '../../../reloader/http/app.js';
import { addThreeNodes, createHarness, FP_NEW, FP_OLD, type Harness } from '../controller-harness.js';

describe('ReloaderController reconcile and interface', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  it('adds scaled-up nodes to the rotation and drops removed ones', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3']);

    h.cluster.addNode('gateway-4', 4, FP_OLD);
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3', 'gateway-4']);

    h.cluster.nodes.delete(h.cluster.byName('gateway-2').id);
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-3', 'gateway-4']);
    assert.deepEqual(h.cluster.stops(), [], 'scaling restarts nothing');

    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-3', 'gateway-4'], 'a new node is part of the next rollout');
  });

  it('leaves nginx alone when it sees no gateway node at all (a wrong project name must not empty the upstream)', async () => {
    h = createHarness(FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    assert.deepEqual(h.cluster.rotations, []);
    assert.ok(h.lines.some((l) => l.startsWith('no gateway node of project "proj" to put in rotation')));
  });

  it('notices a file change the watcher missed on the periodic pass, and rolls it', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.file = FP_NEW; // no watch event
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.equal(h.cluster.stops().length, 3);
    assert.ok(h.lines.some((l) => l.startsWith('the config file changed without a watch event')));
  });

  it('rewrites the rotation when a container comes back on another IP address', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const applied = h.cluster.rotations.length;
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.equal(h.cluster.rotations.length, applied, 'no reload while nothing changed');

    h.cluster.byName('gateway-3').ip = '10.0.0.99'; // restarted by someone else
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.currentRotation(), ['gateway-1@10.0.0.11', 'gateway-2@10.0.0.12', 'gateway-3@10.0.0.99']);
  });

  it('puts a node restarted by the rollout back with its new IP address', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    h.cluster.ipOnStart.set('gateway-2', '10.0.0.42');
    await h.controller.start();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.deepEqual(h.cluster.currentRotation(), ['gateway-1@10.0.0.11', 'gateway-2@10.0.0.42', 'gateway-3@10.0.0.13']);
  });

  it('restarts nothing on an invalid file and reports its issues; the fixed file then rolls', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.breakFile();
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), []);
    const status = h.controller.status();
    assert.equal(status.config.valid, false);
    assert.deepEqual(status.config.issues, [{ path: 'providers.openai.keys[0].weight', message: 'must be a number' }]);
    assert.equal(status.config.target_fingerprint, FP_OLD, 'the last good config stays the target');
    assert.ok(h.lines.some((l) => l.startsWith('config invalid: providers.openai.keys[0].weight: must be a number')));
    assert.match(await h.metrics.registry.metrics(), /reloader_config_validation_failures_total 1/);

    h.edit(FP_NEW);
    await h.controller.settle();
    assert.equal(h.cluster.stops().length, 3);
    assert.equal(h.controller.status().config.valid, true);
  });

  it('keeps going while the Docker API is down, and says so in the status', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    h.cluster.dockerDown = true;
    await h.controller.start();
    await h.controller.settle();
    assert.equal(h.controller.status().docker.reachable, false);
    assert.ok(h.lines.some((l) => l.startsWith('Docker API unavailable; retrying in')));

    h.cluster.dockerDown = false;
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.equal(h.controller.status().docker.reachable, true);
    assert.equal(h.cluster.stops().length, 3);
  });

  it('POST /rollout answers 409 while no valid config has been read, restarting nothing', async () => {
    h = createHarness(FP_OLD);
    addThreeNodes(h, FP_OLD);
    h.breakFile();
    await h.controller.start();
    await h.controller.settle();
    const app = createReloaderApp({ status: () => h.controller.status(), requestRollout: () => h.controller.requestRollout(), metrics: h.metrics });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rollout`, { method: 'POST' });
      assert.equal(response.status, 409);
      assert.match(((await response.json()) as { error: string }).error, /no valid config/);
      await h.controller.settle();
      assert.deepEqual(h.cluster.stops(), []);
    } finally {
      server.close();
    }
  });

  describe('HTTP', () => {
    let server: Server;
    let base: string;
    beforeEach(async () => {
      h = createHarness(FP_OLD);
      addThreeNodes(h, FP_OLD);
      await h.controller.start();
      await h.controller.settle();
      const app = createReloaderApp({ status: () => h.controller.status(), requestRollout: () => h.controller.requestRollout(), metrics: h.metrics });
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => {
      server.close();
    });

    it('POST /rollout restarts every node in order even when all run the file; a second one gets 409', async () => {
      // Holds the first restart until the second request has been answered.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const originalStop = h.cluster.docker.stop;
      h.cluster.docker.stop = async (id, t) => {
        await held;
        return originalStop(id, t);
      };
      const first = await fetch(`${base}/rollout`, { method: 'POST' });
      assert.equal(first.status, 202);
      const second = await fetch(`${base}/rollout`, { method: 'POST' });
      assert.equal(second.status, 409);
      release();
      await h.controller.settle();
      assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);

      const status = (await (await fetch(`${base}/status`)).json()) as ReturnType<typeof h.controller.status>;
      assert.equal(status.rollouts.previous[0]!.trigger, 'manual');
      assert.equal(status.rollouts.previous[0]!.outcome, 'complete');
      assert.deepEqual(
        status.nodes.map((n) => [n.name, n.fingerprint, n.in_rotation]),
        [
          ['gateway-1', FP_OLD, true],
          ['gateway-2', FP_OLD, true],
          ['gateway-3', FP_OLD, true],
        ],
      );
      const health = await fetch(`${base}/health`);
      assert.equal(health.status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /reloader_node_restart_duration_seconds_count\{outcome="ok"\} 3/);
    });
  });
});
