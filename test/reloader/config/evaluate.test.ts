import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateConfigFile } from '../../../reloader/config/evaluate.js';
import { ReloaderController } from '../../../reloader/controller/controller.js';
import { createMetrics } from '../../../reloader/observability/metrics.js';
import { createComposePlatform } from '../../../reloader/platform/compose/compose-platform.js';
import { fingerprintOf } from '../../../shared/config/index.js';
import { captureLogger, FakeCluster } from '../fake-cluster.js';

/** Files that once made validation throw (a yup TypeError, a stack overflow): the watcher's promise rejected, the reloader exited, and crashed again on start. */
const FILES_THAT_THREW: Array<[string, RegExp]> = [
  ['{"providers":{"openai":{"keys":[{"name":"a","value":"env.X","constructor":"x"}]}}}', /constructor.*cannot be a name in config\.json/],
  ['{"providers":{},"client":{"hasOwnProperty":1}}', /hasOwnProperty.*cannot be a name in config\.json/],
  [`{"providers":{},"x":${'['.repeat(6000)}${']'.repeat(6000)}}`, /nest more than 64 levels deep/],
];

describe('evaluateConfigFile on files that once crashed the reloader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evaluate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('judges each invalid, with an issue saying why, instead of rejecting', async () => {
    const path = join(dir, 'config.json');
    for (const [text, why] of FILES_THAT_THREW) {
      writeFileSync(path, text);
      const verdict = await evaluateConfigFile(path);
      assert.equal(verdict.kind, 'invalid', text.slice(0, 80));
      if (verdict.kind !== 'invalid') continue;
      assert.equal(verdict.fingerprint, fingerprintOf(text));
      assert.match(verdict.issues.map((issue) => issue.message).join('\n'), why);
    }
  });

  it('lets the controller start on such a file: it reports it invalid and restarts nothing', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, FILES_THAT_THREW[0]![0]);
    const cluster = new FakeCluster('sha256:running');
    for (const n of [1, 2]) cluster.addNode(`gateway-${n}`, n, 'sha256:running');
    const { logger } = captureLogger();
    const controller = new ReloaderController({
      platform: createComposePlatform({ docker: cluster.docker, probe: cluster.probe, rotation: cluster.rotation, logger, stopTimeoutS: 30 }),
      probe: cluster.probe,
      logger,
      metrics: createMetrics(),
      readConfig: () => evaluateConfigFile(path),
      configPath: path,
      healthTimeoutMs: 500,
      drainTimeoutMs: 100,
      reconcileIntervalMs: 3_600_000,
      pollMs: 5,
    });
    try {
      await controller.start();
      await controller.settle();
      assert.equal(controller.status().config.state, 'invalid');
      assert.deepEqual(cluster.stops(), []);
    } finally {
      await controller.stop();
    }
  });
});
