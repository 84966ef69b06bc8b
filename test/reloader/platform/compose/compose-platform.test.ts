import assert from 'node:assert/strict';
import { createComposePlatform, toNodeChange } from '../../../../reloader/platform/compose/compose-platform.js';
import type { DockerPort } from '../../../../reloader/platform/compose/docker-port.js';
import type { Platform } from '../../../../reloader/platform/platform.js';
import { sleep } from '../../../../shared/backoff.js';
import { waitFor } from '../../../support/wait-for.js';
import { captureLogger, FakeCluster } from '../../fake-cluster.js';

const FP = `sha256:${'a'.repeat(64)}`;

describe('compose platform (the Platform seam over Docker Compose + nginx)', () => {
  let cluster: FakeCluster;
  let platform: Platform;
  let lines: string[];

  beforeEach(() => {
    cluster = new FakeCluster(FP);
    const captured = captureLogger();
    lines = captured.lines;
    platform = createComposePlatform({ docker: cluster.docker, probe: cluster.probe, rotation: cluster.rotation, logger: captured.logger, stopTimeoutS: 7 });
  });

  it('observes the labelled gateways with their /health, and restarts one node reporting stopped then started', async () => {
    cluster.addNode('gateway-1', 1, FP);
    cluster.addNode('gateway-2', 2, FP);
    const nodes = await platform.observeNodes();
    assert.deepEqual(nodes.map((n) => [n.name, n.running, n.health.fingerprint]).sort(), [
      ['gateway-1', true, FP],
      ['gateway-2', true, FP],
    ]);
    const progress: string[] = [];
    await platform.restartNode(nodes.find((n) => n.name === 'gateway-2')!, (step) => progress.push(`${step} after ${cluster.calls.at(-1)}`));
    assert.deepEqual(progress, ['stopped after stop gateway-2', 'started after start gateway-2']);
    assert.equal(platform.scope, 'proj');
  });

  it('says, while a stopped node has not exited, which node the rollout waits on and when Docker kills it; nothing once it exited', async () => {
    cluster.addNode('gateway-1', 1, FP);
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => (exit = resolve));
    // A node slow to exit: Docker's stop call returns only once it has.
    const slowToExit: DockerPort = {
      ...cluster.docker,
      stop: async (id, timeoutS) => {
        await exited;
        await cluster.docker.stop(id, timeoutS);
      },
    };
    const captured = captureLogger();
    const slow = createComposePlatform({
      docker: slowToExit,
      probe: cluster.probe,
      rotation: cluster.rotation,
      logger: captured.logger,
      stopTimeoutS: 620,
      stopReminderMs: 20,
    });
    const reminders = () => captured.records.filter((r) => r.event === 'node-stop-pending');
    const [node] = await slow.observeNodes();
    const progress: string[] = [];
    const restarted = slow.restartNode(node!, (step) => progress.push(step));
    await waitFor(() => reminders().length >= 2);
    assert.deepEqual(progress, [], 'not reported stopped while it runs');
    assert.equal(reminders()[0]?.node, 'gateway-1');
    assert.match(String(reminders()[0]?.msg), /^gateway-1 has not exited \d+ s after docker stop: .* Docker kills it at 620 s$/);
    exit();
    await restarted;
    assert.deepEqual(progress, ['stopped', 'started']);
    const after = reminders().length;
    await sleep(100);
    assert.equal(reminders().length, after, 'no reminder once the node exited');
  });

  it('keeps the rotation in step, leaving the excluded node out, and applies nothing when nothing changed', async () => {
    cluster.addNode('gateway-1', 1, FP);
    cluster.addNode('gateway-2', 2, FP);
    const nodes = await platform.observeNodes();
    await platform.syncRotation(nodes, nodes.find((n) => n.name === 'gateway-1')!.id);
    await platform.syncRotation(nodes);
    await platform.syncRotation(nodes);
    assert.deepEqual(cluster.rotations, [['gateway-2'], ['gateway-1', 'gateway-2']]);
    assert.deepEqual(
      platform.describeRotation().servers.map((s) => s.name),
      ['gateway-1', 'gateway-2'],
    );
  });

  it('leaves the rotation as it is when it sees no node at all, saying so once', async () => {
    await platform.syncRotation([]);
    await platform.syncRotation([]);
    assert.deepEqual(cluster.rotations, []);
    assert.equal(lines.filter((l) => l.startsWith('no gateway node of project "proj"')).length, 1);
  });

  it('resumes an interrupted restart by starting the node only when it is not running', async () => {
    const stopped = cluster.addNode('gateway-1', 1, FP);
    stopped.state = 'exited';
    const running = cluster.addNode('gateway-2', 2, FP);
    await platform.resumeRestart({ id: stopped.id, name: stopped.name });
    await platform.resumeRestart({ id: running.id, name: running.name });
    assert.deepEqual(cluster.calls, ['start gateway-1']);
  });

  it("reports the gateways' Docker events as node changes until told to stop", () => {
    cluster.addNode('gateway-1', 1, FP);
    const changes: string[] = [];
    const stop = platform.watchNodes((change) => changes.push(`${change.what} ${change.id.slice(0, 12)}`));
    cluster.emit('gateway-1', 'kill');
    cluster.emit('gateway-1', 'exec_start');
    cluster.emit('', 'resync');
    stop();
    cluster.emit('gateway-1', 'die');
    assert.deepEqual(changes, ['leaving id-gateway-1', 'resync ']);
  });
});

describe('toNodeChange', () => {
  it("maps Docker's container actions to node changes and ignores the rest", () => {
    assert.deepEqual(['kill', 'stop', 'die', 'destroy', 'start', 'health_status', 'resync', 'exec_start', 'rename'].map(toNodeChange), [
      'leaving',
      'leaving',
      'gone',
      'gone',
      'started',
      'health',
      'resync',
      undefined,
      undefined,
    ]);
  });
});
