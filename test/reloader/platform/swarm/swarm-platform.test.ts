import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '../../../../shared/config/fingerprint.js';
import { evaluateConfigFile } from '../../../../reloader/config/evaluate.js';
import { ReloaderController } from '../../../../reloader/controller/controller.js';
import { createMetrics } from '../../../../reloader/observability/metrics.js';
import { chooseConfigsToPrune, configNameFor } from '../../../../reloader/platform/swarm/config-name.js';
import { createSwarmPlatform } from '../../../../reloader/platform/swarm/swarm-platform.js';
import { captureLogger } from '../../fake-cluster.js';
import { FakeSwarm } from './fake-swarm.js';

const config = (revision: number) =>
  `${JSON.stringify({
    providers: {
      openai: {
        keys: [{ name: 'k', value: 'env.OPENAI_API_KEY', models: ['*'], weight: 1 }],
        network_config: { default_request_timeout_in_seconds: 30 + revision },
      },
    },
  })}\n`;

describe('createSwarmPlatform under the controller', () => {
  let dir: string;
  let path: string;
  let swarm: FakeSwarm;
  let controller: ReloaderController;
  /** When set, the file is saved broken right after that many more reads by the rollout (a save racing the restart). */
  let breakAfterReads: number | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swarm-platform-'));
    path = join(dir, 'config.json');
    writeFileSync(path, config(0));
    breakAfterReads = undefined;
    swarm = new FakeSwarm(readFileSync(path), configNameFor(readFileSync(path)));
    const { logger } = captureLogger();
    const platform = createSwarmPlatform({ port: swarm.port, probe: swarm.probe, logger, configPath: path, taskTimeoutMs: 2000, keepConfigs: 1, pollMs: 1 });
    controller = new ReloaderController({
      platform,
      probe: swarm.probe,
      logger,
      metrics: createMetrics(),
      readConfig: async () => {
        const verdict = await evaluateConfigFile(path);
        if (breakAfterReads !== undefined && --breakAfterReads === 0) writeFileSync(path, '{ "providers": ');
        return verdict;
      },
      configPath: path,
      healthTimeoutMs: 2000,
      drainTimeoutMs: 60_000,
      reconcileIntervalMs: 3_600_000,
      pollMs: 1,
    });
    await controller.start();
    await controller.settle();
  });

  afterEach(async () => {
    await controller.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const edit = async (text: string) => {
    writeFileSync(path, text);
    controller.onConfig(await evaluateConfigFile(path));
    await controller.settle();
  };

  it('starts with nothing to do when the service already mounts the file', () => {
    assert.deepEqual(swarm.calls, []);
    assert.equal(controller.status().rollouts.previous.length, 0);
  });

  it('turns a valid edit into one hash-named config, swaps it in once, and follows every slot to the new fingerprint', async () => {
    await edit(config(1));
    const name = configNameFor(Buffer.from(config(1)));
    assert.match(name, /^gateway-config-[0-9a-f]{12}$/);
    assert.deepEqual(swarm.configs.get(name)?.data.toString(), config(1));
    assert.equal(swarm.calls.filter((c) => c.startsWith('swapConfig')).length, 1);
    const running = swarm.tasks.filter((t) => t.desiredState === 'running');
    assert.deepEqual(
      running.map((t) => t.configName),
      [name, name, name],
    );

    const rollout = controller.status().rollouts.previous[0]!;
    assert.equal(rollout.outcome, 'complete');
    assert.equal(rollout.target_fingerprint, fingerprintOf(config(1)));
    const phases = rollout.steps.flatMap((s) => s.events.map((e) => e.phase));
    assert.ok(phases.includes('config-swapped') && phases.includes('healthy'), phases.join(','));
    // Swarm's VIP rotates and drains: the reloader does neither itself.
    assert.ok(!phases.includes('out-of-rotation') && !phases.includes('drained'), phases.join(','));
  });

  it('creates nothing for an invalid edit', async () => {
    await edit('{ "providers": { "openai": { "keys": "nope" } } }');
    assert.deepEqual(swarm.calls, []);
    assert.equal(swarm.configs.size, 1);
  });

  for (const [when, reads] of [
    ['after the rollout checked it, before the reloader acts', 1],
    ['after the last check, as Swarm is handed the file', 2],
  ] as const) {
    it(`a save that breaks the file ${when}: no config is swapped in, the rollout pauses, and goes on once the file is valid`, async () => {
      breakAfterReads = reads;
      await edit(config(1));
      assert.deepEqual(
        swarm.calls.filter((c) => c.startsWith('swapConfig')),
        [],
      );
      assert.equal(controller.status().rollouts.previous[0]?.outcome, 'paused');
      assert.equal(controller.status().halted, null, 'not a halt waiting for a person');

      await edit(config(1)); // saved again, valid
      assert.equal(controller.status().rollouts.previous[0]?.outcome, 'complete');
      const name = configNameFor(Buffer.from(config(1)));
      assert.deepEqual(
        swarm.tasks.filter((t) => t.desiredState === 'running').map((t) => t.configName),
        [name, name, name],
      );
    });
  }

  it("halts the rollout with Swarm's message when Swarm rolls the service back", async () => {
    swarm.failNewTasks = true;
    await edit(config(2));
    const rollout = controller.status().rollouts.previous[0]!;
    assert.equal(rollout.outcome, 'failed');
    assert.match(rollout.reason ?? '', /rollback_completed/);
    assert.equal(swarm.service.configName, configNameFor(Buffer.from(config(0))), 'the service is back on the old config');
  });

  it('prunes configs no task needs, keeping the current, the rollback target and `keep` spare ones', async () => {
    await edit(config(1));
    await edit(config(2));
    await edit(config(3));
    const names = [...swarm.configs.keys()];
    assert.ok(names.includes(configNameFor(Buffer.from(config(3)))));
    assert.ok(names.includes(configNameFor(Buffer.from(config(2)))));
    assert.equal(names.length, 3, names.join(', '));
    assert.ok(!names.includes(configNameFor(Buffer.from(config(0)))), 'the oldest is gone');
  });
});

describe('chooseConfigsToPrune', () => {
  it('never picks a config in use or another prefix, and keeps the newest spare ones', () => {
    const configs = ['a', 'b', 'c', 'd'].map((n, i) => ({ id: n, name: `gateway-config-${n}`, createdAt: `2026-01-0${i + 1}` }));
    const picked = chooseConfigsToPrune([...configs, { id: 'x', name: 'other', createdAt: '2025' }], new Set(['gateway-config-d', 'gateway-config-a']), 1);
    assert.deepEqual(
      picked.map((c) => c.id),
      ['b'],
    );
  });
});
