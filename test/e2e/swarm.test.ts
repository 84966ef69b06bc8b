/**
 * The Swarm end-to-end test: docker-stack.yml (plus test/e2e/docker-stack.e2e.yml: a local
 * OpenAI-protocol upstream) on a single-node swarm this test creates on the engine and
 * leaves at the end. Images are built locally from the project's Dockerfiles (no registry
 * here) and deployed with --resolve-image never. Traffic goes through nginx's published
 * port on loopback, with the official `openai` client.
 * Development only: E2E_SWARM_IMAGES=<tag> reuses images built earlier with that tag (and
 * leaves them in place).
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { fingerprintOf } from '../../shared/config/fingerprint.js';
import { buildBaseImages, removeBaseImages, type BaseImages } from './support/base-images.js';
import { initialConfig, withRevision } from './support/e2e-config.js';
import { SteadyLoad } from './support/steady-load.js';
import { buildStackImages, removeStackImages, stackImageNames, type StackImages } from './support/swarm-images.js';
import { SwarmStack, sha12, type StackTask } from './support/swarm-stack.js';
import { waitFor } from './support/wait-for.js';

const MODEL = 'openai/gpt-e2e';
const log = (line: string) => console.log(`      [swarm ${new Date().toISOString().slice(11, 19)}] ${line}`);
const text = (config: unknown) => `${JSON.stringify(config, null, 2)}\n`;

describe('Docker Swarm stack end to end (real engine, single-node swarm)', function () {
  this.timeout(15 * 60_000);
  // The scenarios run in order on one cluster, each from the state the last one left: after a
  // failure the rest would each wait out their own deadlines on a broken cluster, for an hour.
  this.bail(true);
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const reuse = process.env.E2E_SWARM_IMAGES;
  let base: BaseImages | undefined;
  let images: StackImages;
  let stack: SwarmStack | undefined;
  let client: OpenAI;
  let currentText = text(initialConfig());

  before(async () => {
    const started = Date.now();
    if (reuse) {
      images = stackImageNames(reuse);
      base = undefined;
    } else {
      base = await buildBaseImages(`swarm-${runId}`, log);
      images = await buildStackImages(`swarm-${runId}`, base, log);
    }
    const nodeImage = base?.node ?? `ai-gateway-e2e/node:${reuse}`;
    stack = new SwarmStack(runId, images, nodeImage);
    log('docker swarm init --advertise-addr 127.0.0.1');
    await stack.initSwarm();
    log(`deploying stack ${stack.stack} (nginx on 127.0.0.1:${stack.gatewayPort})`);
    await stack.deploy(currentText);
    const s = stack;
    await waitFor(
      'three healthy gateway tasks and nginx',
      async () =>
        (await s.runningTasks('gateway')).length === 3 && (await s.runningTasks('nginx')).length === 1 && (await s.runningTasks('reloader')).length === 1
          ? true
          : undefined,
      {
        timeoutMs: 180_000,
        intervalMs: 1000,
        describe: () => s.serviceLogs('reloader'),
      },
    );
    client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30_000 });
    await waitFor(
      'a chat answer through nginx',
      async () => ((await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })).choices.length > 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  after(async function () {
    this.timeout(5 * 60_000);
    // Always: remove the stack, leave the swarm, remove the images this run built.
    if (stack) {
      log('removing the stack and leaving the swarm');
      await stack.teardown();
    }
    if (!reuse && images) await removeStackImages(images);
    if (base) await removeBaseImages(base);
  });

  const fingerprintsOf = async (tasks: StackTask[]): Promise<string[]> =>
    Promise.all(
      tasks.map(
        async (t) => (JSON.parse(await stack!.fetchInside(t.container, 'http://127.0.0.1:8080/health')) as { config_fingerprint: string }).config_fingerprint,
      ),
    );

  it('rolls every task to a valid edit, health-gated, with no failed request under load', async () => {
    const s = stack!;
    const before = await s.runningTasks('gateway');
    assert.deepEqual(new Set(before.map((t) => t.configName)), new Set([`gateway-config-${sha12(currentText)}`]));

    const load = new SteadyLoad(client, { concurrency: 3, model: MODEL, prefix: `swarm-${runId}` });
    load.start();
    await new Promise((r) => setTimeout(r, 2000));
    currentText = text(withRevision(initialConfig(), 1));
    const wanted = `gateway-config-${sha12(currentText)}`;
    const editedAt = Date.now();
    s.writeConfig(currentText);
    log(`edited config.json -> ${wanted}`);

    const rolled = await waitFor(
      'every gateway task on the new config and the update completed',
      async () => {
        const tasks = await s.runningTasks('gateway');
        const service = await s.gatewayService();
        const done = tasks.length === 3 && tasks.every((t) => t.configName === wanted) && service.configName === wanted && service.updateState === 'completed';
        return done ? tasks : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000, describe: async () => `${JSON.stringify(await s.gatewayService())}\n${await s.serviceLogs('reloader')}` },
    );
    const rollSeconds = (Date.now() - editedAt) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const outcomes = await load.stop();
    const failures = outcomes.filter((o) => !o.ok);
    log(`rolled in ${rollSeconds.toFixed(1)} s; ${outcomes.length} requests (${outcomes.filter((o) => o.stream).length} streams), ${failures.length} failed`);

    assert.deepEqual(failures, [], 'no request failed during the rollout');
    assert.ok(outcomes.length > 20, `light load ran (${outcomes.length} requests)`);
    assert.equal(new Set(rolled.map((t) => t.slot)).size, 3);
    assert.ok(
      rolled.every((t) => !before.some((b) => b.id === t.id)),
      'every task was replaced',
    );
    assert.deepEqual(
      await fingerprintsOf(rolled),
      [fingerprintOf(currentText), fingerprintOf(currentText), fingerprintOf(currentText)],
      'every task serves the new fingerprint',
    );

    const upstream = (await s.runningTasks('upstream'))[0]!;
    const records = JSON.parse(await s.fetchInside(upstream.container, 'http://127.0.0.1:9000/_requests')) as { marker: string | null }[];
    const markers = records.map((r) => r.marker).filter((m): m is string => typeof m === 'string' && m.startsWith(`swarm-${runId}`));
    assert.equal(markers.length, new Set(markers).size, 'no request reached the upstream twice');

    const reloader = (await s.runningTasks('reloader'))[0]!;
    const status = JSON.parse(await s.fetchInside(reloader.container, 'http://127.0.0.1:9090/status')) as {
      rollouts?: { previous?: { outcome: string; target_fingerprint: string }[] };
    };
    const last = status.rollouts?.previous?.[0];
    assert.equal(last?.outcome, 'complete', `the reloader reports the rollout complete: ${JSON.stringify(status.rollouts).slice(0, 2000)}`);
    assert.equal(last?.target_fingerprint, fingerprintOf(currentText));
  });

  it('an invalid edit creates no config and replaces no task', async () => {
    const s = stack!;
    const tasksBefore = (await s.runningTasks('gateway')).map((t) => t.id).sort();
    const configsBefore = await s.configNames();
    const serviceBefore = await s.gatewayService();
    s.writeConfig('{ "providers": { "openai": { "keys": "not-a-list" } } ');
    // Several debounce periods and reconcile passes.
    await new Promise((r) => setTimeout(r, 8000));
    assert.deepEqual((await s.runningTasks('gateway')).map((t) => t.id).sort(), tasksBefore);
    assert.deepEqual(await s.configNames(), configsBefore);
    assert.deepEqual(await s.gatewayService(), serviceBefore);
    const answer = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'still serving' }] });
    assert.ok(answer.choices.length > 0);
    s.writeConfig(currentText);
  });

  it('rolls a task that never becomes healthy back, with the old tasks serving throughout', async () => {
    const s = stack!;
    const old = `gateway-config-${sha12(currentText)}`;
    const broken = text(withRevision(initialConfig(), 2));
    // Only tasks on the broken edit fail: the ones Swarm's rollback starts, on the old config, come up.
    s.setFailOnStart('"initial_pool_size": 102');
    assert.ok(broken.includes('"initial_pool_size": 102') && !currentText.includes('"initial_pool_size": 102'));
    const load = new SteadyLoad(client, { concurrency: 3, model: MODEL, prefix: `swarm-rb-${runId}` });
    load.start();
    const editedAt = Date.now();
    s.writeConfig(broken);
    log(`edited config.json -> gateway-config-${sha12(broken)} (its nodes will never be healthy)`);
    try {
      await waitFor(
        'Swarm to roll the gateway service back',
        async () => ((await s.gatewayService()).updateState === 'rollback_completed' ? true : undefined),
        {
          timeoutMs: 180_000,
          intervalMs: 1000,
          describe: async () => `${JSON.stringify(await s.gatewayService())}\n${await s.serviceLogs('reloader')}`,
        },
      );
      const tasks = await waitFor(
        'three running tasks on the old config',
        async () => {
          const running = await s.runningTasks('gateway');
          return running.length === 3 && running.every((t) => t.configName === old) ? running : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      assert.equal((await s.gatewayService()).configName, old);
      assert.deepEqual(await fingerprintsOf(tasks), [fingerprintOf(currentText), fingerprintOf(currentText), fingerprintOf(currentText)]);
    } finally {
      s.setFailOnStart(undefined);
    }
    const outcomes = await load.stop();
    const failures = outcomes.filter((o) => !o.ok);
    log(`rolled back in ${((Date.now() - editedAt) / 1000).toFixed(1)} s; ${outcomes.length} requests, ${failures.length} failed`);
    assert.deepEqual(failures, [], 'no request failed while the bad task came and went');

    const reloader = (await s.runningTasks('reloader'))[0]!;
    const status = JSON.parse(await s.fetchInside(reloader.container, 'http://127.0.0.1:9090/status')) as {
      rollouts?: { previous?: { outcome: string; reason?: string }[] };
    };
    const last = status.rollouts?.previous?.[0];
    assert.equal(last?.outcome, 'failed');
    assert.match(last?.reason ?? '', /rollback/);
  });
});
