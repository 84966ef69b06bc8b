import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { fingerprintOf } from '../../../../shared/config/index.js';
import { ReloaderController } from '../../../../reloader/controller/controller.js';
import { NotManagedError, type DockerPort } from '../../../../reloader/platform/compose/docker-port.js';
import { connectDockerPort } from '../../../../reloader/platform/compose/dockerode-port.js';
import { evaluateConfigFile } from '../../../../reloader/config/evaluate.js';
import { createHttpHealthProbe } from '../../../../reloader/platform/health-probe.js';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, ROLE_LABEL } from '../../../../reloader/platform/compose/labels.js';
import { createMetrics } from '../../../../reloader/observability/metrics.js';
import { createComposePlatform } from '../../../../reloader/platform/compose/compose-platform.js';
import { createNginxRotation } from '../../../../reloader/platform/compose/nginx-rotation.js';
import { captureLogger } from '../../fake-cluster.js';
import { buildTinyNodeImage } from './support/tiny-node-image.js';
import { startCuttableDockerSocket } from './support/cuttable-docker-socket.js';
import { createFileJournal } from '../../../../reloader/rollout/restart-journal.js';

const RUN = randomBytes(4).toString('hex');
const RUN_LABEL = 'ai-gateway.reloader-test-run';
const PROJECT = `reloader-test-${RUN}`;
const IMAGE = `reloader-test-node:${RUN}`;
const configText = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ providers: { openai: { keys: [{ value: 'env.OPENAI_API_KEY', models: [model], weight: 1 }] } }, ...extra }, null, 2);

describe('reloader against a real Docker engine', function () {
  this.timeout(180_000);
  const docker = new Docker();
  let configDir: string;
  let rotationDir: string;
  let configPath: string;
  let nodeBinary: string;
  let network: Docker.Network;
  const ids: Record<string, string> = {};
  let port: DockerPort;
  let controller: ReloaderController;
  let lines: string[];

  const startedAt = async (name: string) => (await docker.getContainer(ids[name]!).inspect()).State.StartedAt;
  const createContainer = async (name: string, labels: Record<string, string>) => {
    const container = await docker.createContainer({
      name: `${PROJECT}-${name}`,
      Image: IMAGE,
      Cmd: [nodeBinary, '/app/server.mjs'],
      Labels: { ...labels, [RUN_LABEL]: RUN },
      Healthcheck: { Test: ['CMD', nodeBinary, '/app/check.mjs'], Interval: 500e6, Timeout: 10e9, Retries: 3, StartPeriod: 0 },
      HostConfig: { Binds: [`${configDir}:/config:ro`], NetworkMode: `${PROJECT}-net` },
    });
    await container.start();
    ids[name] = container.id;
  };
  const edit = async (text: string) => {
    writeFileSync(configPath, text);
    controller.onConfig(await evaluateConfigFile(configPath)); // what the watcher does after its debounce
    await controller.settle();
  };

  before(async function () {
    this.timeout(150_000);
    try {
      await docker.ping();
    } catch (error) {
      throw new Error(
        `no Docker engine reachable (${(error as Error).message}): this test needs dockerd on ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'} (.ci/run provisions one)`,
      );
    }
    configDir = mkdtempSync(join(tmpdir(), 'reloader-real-config-'));
    rotationDir = mkdtempSync(join(tmpdir(), 'reloader-real-rotation-'));
    configPath = join(configDir, 'config.json');
    writeFileSync(configPath, configText('gpt-a'));
    nodeBinary = await buildTinyNodeImage(IMAGE);
    network = await docker.createNetwork({ Name: `${PROJECT}-net`, Labels: { [RUN_LABEL]: RUN } });
    const gateway = (n: number) => ({ [PROJECT_LABEL]: PROJECT, [ROLE_LABEL]: 'gateway', [CONTAINER_NUMBER_LABEL]: String(n) });
    await createContainer('gateway-2', gateway(2));
    await createContainer('gateway-1', gateway(1));
    await createContainer('stranger', {}); // no project, no role
    await createContainer('neighbour', { [PROJECT_LABEL]: PROJECT }); // the project, but no role
    await waitForHealthy(docker, [ids['gateway-1']!, ids['gateway-2']!]);

    const captured = captureLogger();
    lines = captured.lines;
    port = await connectDockerPort({ project: PROJECT, stopTimeoutS: 5, logger: captured.logger });
    const rotation = await createNginxRotation({ docker: port, logger: captured.logger, rotationDir, gatewayPort: 8080, statusPort: 8081, timeoutMs: 5000 });
    const probe = createHttpHealthProbe(8080);
    controller = new ReloaderController({
      platform: createComposePlatform({ docker: port, probe, rotation, logger: captured.logger, stopTimeoutS: 5 }),
      probe,
      logger: captured.logger,
      metrics: createMetrics(),
      readConfig: () => evaluateConfigFile(configPath),
      configPath,
      healthTimeoutMs: 25_000,
      drainTimeoutMs: 5000,
      reconcileIntervalMs: 3_600_000,
      pollMs: 200,
    });
  });

  after(async function () {
    this.timeout(120_000);
    await controller?.stop();
    const mine = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${RUN}`] } }).catch(() => []);
    for (const c of mine)
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
    await network?.remove().catch(() => {});
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => {});
    if (configDir) await rm(configDir, { recursive: true, force: true });
    if (rotationDir) await rm(rotationDir, { recursive: true, force: true });
  });

  it('finds only its labelled gateways and refuses to touch any other container', async () => {
    const names = (await port.listManaged('gateway')).map((c) => c.name).sort();
    assert.deepEqual(names, [`${PROJECT}-gateway-1`, `${PROJECT}-gateway-2`]);
    for (const bystander of ['stranger', 'neighbour']) {
      await assert.rejects(port.stop(ids[bystander]!, 1), NotManagedError);
      await assert.rejects(port.start(ids[bystander]!), NotManagedError);
      await assert.rejects(port.logsTail(ids[bystander]!, 5), NotManagedError);
    }
    await assert.rejects(port.signal(ids['gateway-1']!, 'SIGHUP'), NotManagedError, 'a gateway is not the load balancer');
    assert.equal((await docker.getContainer(ids.stranger!).inspect()).State.Running, true);
  });

  it("reads nodes without a container inspect (its answer holds the Env, the provider keys): the list endpoint agrees with the engine's inspect", async () => {
    const engine = new Docker();
    const listOnly = Object.create(engine) as Docker;
    listOnly.getContainer = (id: string) => {
      const container = engine.getContainer(id);
      container.inspect = (() => Promise.reject(new Error(`container inspect of ${id} called`))) as typeof container.inspect;
      return container;
    };
    const viaList = await connectDockerPort({ project: PROJECT, stopTimeoutS: 5, logger: captureLogger().logger, docker: listOnly });
    for (const name of ['gateway-1', 'gateway-2']) {
      const real = await docker.getContainer(ids[name]!).inspect();
      // A short id, as a container's hostname is: Docker's id filter matches it.
      const seen = await viaList.inspect(ids[name]!.slice(0, 12), 'gateway');
      assert.deepEqual(
        [seen?.id, seen?.name, seen?.state, seen?.health, seen?.networks[`${PROJECT}-net`]],
        [real.Id, real.Name.slice(1), real.State.Status, real.State.Health?.Status, real.NetworkSettings.Networks[`${PROJECT}-net`]?.IPAddress],
      );
    }
    assert.deepEqual((await viaList.listManaged('gateway')).map((c) => c.name).sort(), [`${PROJECT}-gateway-1`, `${PROJECT}-gateway-2`]);
    await viaList.logsTail(ids['gateway-1']!, 5);
    await assert.rejects(viaList.stop(ids.stranger!, 1), NotManagedError);
  });

  it('on start restarts nothing when every node runs the file, then rolls an edit node by node, health-gated', async () => {
    const before = { g1: await startedAt('gateway-1'), g2: await startedAt('gateway-2'), stranger: await startedAt('stranger') };
    await controller.start();
    await controller.settle();
    assert.equal(await startedAt('gateway-1'), before.g1, 'reconciliation on start restarted an up-to-date node');
    assert.equal(await startedAt('gateway-2'), before.g2);

    const text = configText('gpt-b');
    await edit(text);
    const status = controller.status();
    assert.equal(status.rollouts.previous[0]?.outcome, 'complete', JSON.stringify(status.rollouts.previous[0], null, 2));
    assert.deepEqual(
      status.rollouts.previous[0]!.steps.map((s) => s.node),
      [`${PROJECT}-gateway-1`, `${PROJECT}-gateway-2`],
    );
    for (const node of status.nodes) {
      assert.equal(node.fingerprint, fingerprintOf(text), `${node.name} runs the new file`);
      assert.equal(node.docker_health, 'healthy');
    }
    const after = { g1: await startedAt('gateway-1'), g2: await startedAt('gateway-2') };
    assert.notEqual(after.g1, before.g1);
    assert.notEqual(after.g2, before.g2);
    assert.ok(after.g1 < after.g2, 'gateway-1 was restarted before gateway-2');
    assert.equal(await startedAt('stranger'), before.stranger, 'the unlabelled container was left alone');
    assert.ok(lines.some((l) => l.startsWith('no running load-balancer container found')));
  });

  it('halts at a node that does not come back, shows its log lines, leaves the other serving; a fixed edit resumes', async () => {
    const g2Before = await startedAt('gateway-2');
    const servingFingerprint = controller.status().nodes[1]!.fingerprint;
    await edit(configText('gpt-c', { x_test_marker: 'fail-health-for-test' }));
    const failed = controller.status().rollouts.previous[0]!;
    assert.equal(failed.outcome, 'failed');
    const step = failed.steps.at(-1)!;
    assert.equal(step.node, `${PROJECT}-gateway-1`);
    assert.ok(
      step.log_tail?.some((l) => l.includes('injected failure')),
      JSON.stringify(step.log_tail),
    );
    assert.equal(await startedAt('gateway-2'), g2Before, 'gateway-2 was not touched');
    assert.equal(controller.status().nodes[1]!.fingerprint, servingFingerprint, 'gateway-2 keeps serving the old config');

    const fixed = configText('gpt-d');
    await edit(fixed);
    const resumed = controller.status();
    assert.equal(resumed.rollouts.previous[0]!.outcome, 'complete');
    assert.equal(resumed.rollouts.previous[0]!.steps[0]!.node, `${PROJECT}-gateway-1`, 'the failed node goes first');
    assert.ok(resumed.nodes.every((n) => n.fingerprint === fingerprintOf(fixed)));
  });

  it("follows Docker's events of its own gateways only, a stop seen within a second, and the health check's verdict", async () => {
    const events: Array<{ at: number; text: string }> = [];
    const stopWatching = port.watchEvents('gateway', (e) => events.push({ at: Date.now(), text: `${e.action}${e.detail ? `:${e.detail}` : ''} ${e.id}` }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the stream is connected
      await docker.getContainer(ids.stranger!).stop({ t: 1 });
      const stoppedAt = Date.now();
      await docker.getContainer(ids['gateway-2']!).stop({ t: 1 });
      await docker.getContainer(ids['gateway-2']!).start();
      await waitForHealthy(docker, [ids['gateway-2']!]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = events.map((e) => e.text);
      const g2 = ids['gateway-2']!;
      for (const expected of [`kill ${g2}`, `die ${g2}`, `stop ${g2}`, `start ${g2}`, `health_status:healthy ${g2}`]) {
        assert.ok(seen.includes(expected), `missing "${expected}" in ${JSON.stringify(seen)}`);
      }
      assert.ok(!seen.some((t) => t.endsWith(ids.stranger!)), 'events of an unlabelled container were delivered');
      assert.ok(!seen.some((t) => t.startsWith('exec_')), 'health-check exec events must be filtered out by the engine');
      const kill = events.find((e) => e.text === `kill ${g2}`)!;
      assert.ok(kill.at - stoppedAt < 1000, `kill seen ${kill.at - stoppedAt} ms after the stop`);
    } finally {
      stopWatching();
    }
  });

  it("a Docker API outage between a node's stop and start: the running reloader starts it again from its journal and finishes, and says what happened", async function () {
    this.timeout(300_000); // two node restarts and a resume, on a host that may be busy
    await controller.stop(); // this test runs its own controller, over a Docker API it can cut
    const api = await startCuttableDockerSocket();
    const journalDir = mkdtempSync(join(tmpdir(), 'reloader-real-journal-'));
    const captured = captureLogger();
    let own: ReloaderController | undefined;
    try {
      const flaky = await connectDockerPort({
        project: PROJECT,
        stopTimeoutS: 5,
        logger: captured.logger,
        retry: { attempts: 2, initialMs: 100, maxMs: 200 },
        docker: new Docker({ host: '127.0.0.1', port: api.port, timeout: 60_000 }),
      });
      // The API goes away right after the first stop, before the start.
      const start = flaky.start.bind(flaky);
      let cut = false;
      flaky.start = async (id) => {
        if (!cut) {
          cut = true;
          await api.cut();
        }
        return start(id);
      };
      const rotation = await createNginxRotation({ docker: flaky, logger: captured.logger, rotationDir, gatewayPort: 8080, statusPort: 8081, timeoutMs: 5000 });
      const probe = createHttpHealthProbe(8080);
      own = new ReloaderController({
        platform: createComposePlatform({ docker: flaky, probe, rotation, logger: captured.logger, stopTimeoutS: 5 }),
        probe,
        logger: captured.logger,
        metrics: createMetrics(),
        readConfig: () => evaluateConfigFile(configPath),
        configPath,
        healthTimeoutMs: 90_000,
        drainTimeoutMs: 5000,
        reconcileIntervalMs: 3_600_000,
        dockerRetryMs: 300,
        pollMs: 200,
        journal: createFileJournal(journalDir),
      });
      await own.start();
      await own.settle();
      const text = configText('gpt-e');
      writeFileSync(configPath, text);
      own.onConfig(await evaluateConfigFile(configPath));
      await own.settle();
      const halted = own.status().halted;
      assert.equal(halted?.cause, 'docker-unavailable', JSON.stringify(own.status().rollouts.previous[0], null, 1));
      assert.match(halted?.reason ?? '', /Docker API unreachable after "stopped"/);
      assert.equal((await docker.getContainer(ids['gateway-1']!).inspect()).State.Running, false, 'gateway-1 is stopped while the API is away');

      await api.restore(); // nothing else is done: the reloader notices by itself
      const deadline = Date.now() + 240_000;
      for (;;) {
        const status = own.status();
        if (
          status.halted === null &&
          status.rollouts.current === null &&
          status.nodes.length === 2 &&
          status.nodes.every((n) => n.fingerprint === fingerprintOf(text))
        )
          break;
        if (Date.now() > deadline) throw new Error(`did not converge: ${JSON.stringify(status, null, 1)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal((await docker.getContainer(ids['gateway-1']!).inspect()).State.Running, true);
      assert.ok(captured.lines.includes(`resuming the rollout halted at ${PROJECT}-gateway-1: the Docker API answers again`), captured.lines.join('\n'));
    } finally {
      await own?.stop();
      await api.close();
      await rm(journalDir, { recursive: true, force: true });
    }
  });
});

async function waitForHealthy(docker: Docker, ids: string[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const healths = await Promise.all(ids.map(async (id) => (await docker.getContainer(id).inspect()).State.Health));
    if (healths.every((h) => h?.Status === 'healthy')) return;
    if (Date.now() > deadline) throw new Error(`test containers not healthy: ${JSON.stringify(healths.map((h) => [h?.Status, h?.Log?.at(-1)]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
