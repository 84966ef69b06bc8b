import assert from 'node:assert/strict';
import { createMemoryJournal } from '../../../reloader/rollout/restart-journal.js';
import { addThreeNodes, createHarness, FP_NEW, FP_OLD, waitUntil, type Harness } from '../controller-harness.js';

/** The rollout converges by itself after an outage or an operator's mistake (issue 14, items 3-6). */
describe('ReloaderController recovery', () => {
  let h: Harness;
  afterEach(async () => {
    await h.controller.stop();
  });

  const allOn = (fingerprint: string) => [...h.cluster.nodes.values()].every((n) => n.state === 'running' && n.fingerprint === fingerprint);
  const lastOutcome = () => h.controller.status().rollouts.previous[0]?.outcome;

  it("a Docker API outage between a node's stop and start: the halt says so, and the node is started and the rollout finished once the API is back", async () => {
    h = createHarness(FP_OLD, { dockerRetryMs: 20 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['stop gateway-1'] = () => {
      h.cluster.hooks = {};
      h.cluster.dockerDown = true; // the stop reached Docker; the start will not
    };
    h.edit(FP_NEW);
    await waitUntil('the rollout to halt', () => lastOutcome() === 'failed');
    const halted = h.controller.status().halted;
    assert.equal(halted?.cause, 'docker-unavailable');
    assert.match(halted?.reason ?? '', /^gateway-1: Docker API unreachable after "stopped": Docker API unavailable during a call; the node is started again/);
    assert.doesNotMatch(halted?.reason ?? '', /did not come back healthy/);
    assert.equal(h.cluster.byName('gateway-1').state, 'exited');

    h.cluster.dockerDown = false; // no trigger: the reloader notices by itself within seconds
    await waitUntil('every node on the new file', () => allOn(FP_NEW) && lastOutcome() === 'complete');
    assert.deepEqual(
      h.cluster.calls.filter((c) => !c.startsWith('rotation')),
      [
        'stop gateway-1',
        'start gateway-1', // from the journal, as soon as the API answered
        'stop gateway-2',
        'start gateway-2',
        'stop gateway-3',
        'start gateway-3',
      ],
    );
    assert.equal(h.controller.status().halted, null);
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.ok(h.lines.includes('resuming the rollout halted at gateway-1: the Docker API answers again'));
  });

  it('a Docker API outage before the stop went through: the node, still running, goes back in rotation and is rolled', async () => {
    h = createHarness(FP_OLD, { dockerRetryMs: 20 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    const stop = h.cluster.docker.stop;
    h.cluster.docker.stop = async (id, t) => {
      h.cluster.docker.stop = stop;
      h.cluster.dockerDown = true;
      return stop(id, t);
    };
    h.edit(FP_NEW);
    await waitUntil('the rollout to halt', () => lastOutcome() === 'failed');
    assert.match(h.controller.status().halted?.reason ?? '', /Docker API unreachable after "restarting"/);
    assert.equal(h.cluster.byName('gateway-1').state, 'running');
    h.cluster.dockerDown = false;
    await waitUntil('every node on the new file', () => allOn(FP_NEW) && lastOutcome() === 'complete');
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.deepEqual(h.cluster.rotations.at(-1), ['gateway-1', 'gateway-2', 'gateway-3']);
  });

  it('a node that crashed on a file broken during its restart: the halt says so, and fixing the file back to the target resumes', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 300 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['stop gateway-1'] = () => {
      h.cluster.hooks = {};
      h.breakFile(); // a typo saved while gateway-1 restarts: it starts on it and crash-loops
      h.cluster.failing.add('gateway-1');
    };
    h.edit(FP_NEW);
    await h.controller.settle();
    const halted = h.controller.status().halted;
    assert.equal(halted?.cause, 'config-invalid');
    assert.match(halted?.reason ?? '', /gateway-1 did not come back healthy: the config file was invalid while it restarted/);
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1'], 'nothing more while the file is broken');

    h.cluster.failing.delete('gateway-1');
    h.edit(FP_NEW); // the typo fixed: the file equals the halted target again
    await waitUntil('every node on the target', () => allOn(FP_NEW) && lastOutcome() === 'complete');
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-1', 'gateway-2', 'gateway-3'], 'the failed node first, then the rest');
    assert.ok(h.lines.some((l) => l.startsWith('config valid again and unchanged')));
    assert.ok(h.lines.includes('resuming the rollout halted at gateway-1: the config file is valid again'));
    assert.equal(h.controller.status().halted, null);
  });

  it('a file broken during a restart and fixed before the node is given up on: the rollout resumes right after the halt', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 200 });
    addThreeNodes(h, FP_OLD);
    await h.controller.start();
    await h.controller.settle();
    h.cluster.hooks['stop gateway-1'] = () => {
      h.cluster.hooks = {};
      h.breakFile();
      h.cluster.failing.add('gateway-1'); // it starts on the broken file
      setTimeout(() => {
        h.cluster.failing.delete('gateway-1');
        h.edit(FP_NEW); // fixed while the rollout still waits for gateway-1
      }, 50);
    };
    h.edit(FP_NEW);
    await waitUntil('every node on the target', () => allOn(FP_NEW) && lastOutcome() === 'complete');
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-1', 'gateway-2', 'gateway-3']);
    assert.equal(h.controller.status().rollouts.previous[1]?.outcome, 'failed', 'the first attempt halted');
    assert.equal(h.controller.status().halted, null);
  });

  it('a node that does not come back on a good file still waits for a person (no blind retry loop)', async () => {
    h = createHarness(FP_OLD, { healthTimeoutMs: 200, dockerRetryMs: 20 });
    addThreeNodes(h, FP_OLD);
    h.cluster.failing.add('gateway-1');
    await h.controller.start();
    await h.controller.settle();
    h.edit(FP_NEW);
    await h.controller.settle();
    assert.equal(h.controller.status().halted?.cause, 'node-unhealthy');
    h.controller.trigger('reconcile');
    await h.controller.settle();
    assert.deepEqual(h.cluster.stops(), ['gateway-1']);
  });

  it('after a journal recovery, takes no other node out until the recovered one serves', async () => {
    const journal = createMemoryJournal();
    h = createHarness(FP_NEW, { journal, dockerRetryMs: 20 });
    addThreeNodes(h, FP_OLD);
    const stopped = h.cluster.byName('gateway-2');
    stopped.state = 'exited';
    await journal.begin({ id: stopped.id, name: 'gateway-2', at: new Date().toISOString() });
    // Every start boots for 60 ms: no /health answer, Docker health "starting".
    h.cluster.dockerHealthOnStart = 'starting';
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3']) {
      h.cluster.hooks[`start ${name}`] = () => {
        const node = h.cluster.byName(name);
        node.broken = true;
        setTimeout(() => Object.assign(node, { broken: false, health: 'healthy' }), 60);
      };
    }
    const outAtStop: string[] = [];
    const stop = h.cluster.docker.stop;
    h.cluster.docker.stop = async (id, t) => {
      for (const node of h.cluster.nodes.values()) if (node.id !== id && (node.broken || node.state !== 'running')) outAtStop.push(node.name);
      return stop(id, t);
    };
    await h.controller.start();
    await waitUntil('every node on the file', () => allOn(FP_NEW) && lastOutcome() === 'complete' && [...h.cluster.nodes.values()].every((n) => !n.broken));
    assert.deepEqual(outAtStop, [], 'another node was out of rotation when one was stopped');
    assert.deepEqual(
      h.cluster.calls.filter((c) => !c.startsWith('rotation')),
      ['start gateway-2', 'stop gateway-1', 'start gateway-1', 'stop gateway-3', 'start gateway-3'],
    );
  });

  it('drops a journal entry that cannot be finished (not a node of this project) instead of stalling every pass', async () => {
    const journal = createMemoryJournal();
    h = createHarness(FP_NEW, { journal });
    addThreeNodes(h, FP_OLD);
    const stranger = h.cluster.addNode('stranger', 9, FP_OLD);
    stranger.labels = {}; // not managed: inspect refuses it
    stranger.state = 'exited';
    await journal.begin({ id: stranger.id, name: 'stranger', at: new Date().toISOString() });
    await h.controller.start();
    await h.controller.settle();
    assert.equal(await journal.read(), undefined);
    assert.deepEqual(h.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3'], 'the rollout went on');
    assert.equal(stranger.state, 'exited', 'the unmanaged container was not started');
  });

  it('notices the Docker API coming back within seconds, not after a long backoff', async () => {
    h = createHarness(FP_OLD, { dockerRetryMs: 30 });
    addThreeNodes(h, FP_OLD);
    h.cluster.dockerDown = true;
    await h.controller.start();
    await h.controller.settle();
    await new Promise((resolve) => setTimeout(resolve, 200)); // several failed passes
    assert.equal(h.controller.status().docker.reachable, false);
    h.cluster.dockerDown = false;
    await waitUntil('the API to be seen again', () => h.controller.status().docker.reachable, 500);
  });
});
