import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { ReloaderController } from '../../../../reloader/controller/controller.js';
import { createMetrics } from '../../../../reloader/observability/metrics.js';
import { createComposePlatform } from '../../../../reloader/platform/compose/compose-platform.js';
import { DockerUnavailableError, type DockerPort } from '../../../../reloader/platform/compose/docker-port.js';
import { connectDockerPort } from '../../../../reloader/platform/compose/dockerode-port.js';
import { captureLogger, FakeCluster } from '../../fake-cluster.js';
import { STALLING_GATEWAY_ID, STALLING_NGINX_ID, startStallingDockerApi, type StallingDockerApi } from './support/stalling-docker-api.js';

/** What production uses: a stop gets the stop timeout plus 90 s; here the stop timeout is 620 s. */
const STOP_TIMEOUT_S = 620;

describe('dockerode port against a Docker API that takes connections and never answers', () => {
  let api: StallingDockerApi;
  let port: DockerPort;
  let lines: string[];
  afterEach(async () => {
    await api.close();
  });

  async function connect(list: 'answer' | 'stall', stopAfterMs = 0): Promise<void> {
    api = await startStallingDockerApi({ list, stopAfterMs });
    const logger = captureLogger();
    lines = logger.lines;
    port = await connectDockerPort({
      project: 'proj',
      stopTimeoutS: STOP_TIMEOUT_S,
      callTimeoutMs: 100,
      logger: logger.logger,
      retry: { attempts: 3, initialMs: 10, maxMs: 20 },
      // The client's own timeout as production sets it: idle-socket, sized for a stop.
      docker: new Docker({ socketPath: api.socketPath, timeout: (STOP_TIMEOUT_S + 90) * 1000 }),
    });
  }

  it('a read gives up at its short deadline, is retried, then the API counts as unavailable', async () => {
    await connect('stall');
    await assert.rejects(port.listManaged('gateway'), (error: unknown) => {
      assert.ok(error instanceof DockerUnavailableError);
      assert.match(String((error as Error).cause), /list containers: no answer within 100 ms/);
      return true;
    });
    assert.deepEqual(api.requests, ['GET /containers/json', 'GET /containers/json', 'GET /containers/json'], 'three attempts');
    assert.equal(lines.filter((l) => l.startsWith('Docker API list containers failed, retrying in')).length, 2);
  });

  it('start, signal and logs get the short deadline too', async () => {
    await connect('answer');
    await assert.rejects(port.start(STALLING_GATEWAY_ID), DockerUnavailableError);
    await assert.rejects(port.logsTail(STALLING_GATEWAY_ID, 20), DockerUnavailableError);
    await assert.rejects(port.signal(STALLING_NGINX_ID, 'SIGHUP'), DockerUnavailableError);
    for (const call of ['/start', '/logs', '/kill']) assert.equal(api.requests.filter((r) => r.endsWith(call)).length, 3, `three attempts at ${call}`);
  });

  it('a stop keeps the long deadline: Docker answers only once the node has exited', async () => {
    await connect('answer', 400); // longer than the 100 ms every other call gets
    await port.stop(STALLING_GATEWAY_ID, STOP_TIMEOUT_S);
    assert.deepEqual(
      api.requests.filter((r) => r.startsWith('POST')),
      [`POST /containers/${STALLING_GATEWAY_ID}/stop`],
      'one attempt, not cut short and retried',
    );
  });

  it('a hung API shows in /status as Docker unreachable instead of stalling the pass', async () => {
    await connect('stall');
    const cluster = new FakeCluster('sha256:file');
    const { logger } = captureLogger();
    const controller = new ReloaderController({
      platform: createComposePlatform({ docker: port, probe: cluster.probe, rotation: cluster.rotation, logger, stopTimeoutS: STOP_TIMEOUT_S }),
      probe: cluster.probe,
      logger,
      metrics: createMetrics(),
      readConfig: async () => ({ kind: 'valid', fingerprint: 'sha256:file', unsupported: [], checkedAt: new Date().toISOString() }),
      configPath: '/config/config.json',
      healthTimeoutMs: 1000,
      drainTimeoutMs: 100,
      reconcileIntervalMs: 3_600_000,
      dockerRetryMs: 3_600_000,
    });
    try {
      await controller.start();
      await controller.settle();
      const { docker } = controller.status();
      assert.equal(docker.reachable, false);
      assert.match(docker.error ?? '', /Docker API unavailable during list containers/);
    } finally {
      await controller.stop();
    }
  });
});
