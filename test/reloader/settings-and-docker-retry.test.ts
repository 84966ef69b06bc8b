import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { DockerUnavailableError } from '../../reloader/platform/compose/docker-port.js';
import { connectDockerPort } from '../../reloader/platform/compose/dockerode-port.js';
import { readSettings, SettingsError } from '../../reloader/settings.js';
import { captureLogger } from './fake-cluster.js';

describe('readSettings', () => {
  it('uses the documented defaults', () => {
    const s = readSettings({});
    assert.deepEqual(
      [
        s.configPath,
        s.port,
        s.rotationDir,
        s.gatewayPort,
        s.nginxStatusPort,
        s.healthTimeoutMs,
        s.drainTimeoutMs,
        s.stopTimeoutS,
        s.dockerTimeoutMs,
        s.settleMs,
        s.debounceMs,
        s.polling,
        s.pollIntervalMs,
        s.reconcileIntervalMs,
      ],
      ['/config/config.json', 9090, '/rotation', 8080, 8081, 60_000, 600_000, 620, 5000, 500, 500, false, 1000, 5000],
    );
  });

  it('reads the environment and rejects a value it cannot use, naming the variable', () => {
    const s = readSettings({ RELOADER_POLLING: 'true', RELOADER_STOP_TIMEOUT_S: '45', RELOADER_PROJECT: 'prod', RELOADER_DOCKER_TIMEOUT_MS: '8000' });
    assert.equal(s.polling, true);
    assert.equal(s.dockerTimeoutMs, 8000);
    assert.equal(s.stopTimeoutS, 45);
    assert.equal(s.project, 'prod');
    assert.throws(
      () => readSettings({ RELOADER_DEBOUNCE_MS: '1s' }),
      (e: unknown) => e instanceof SettingsError && /RELOADER_DEBOUNCE_MS/.test(e.message),
    );
    assert.throws(() => readSettings({ RELOADER_POLLING: 'maybe' }), SettingsError);
  });
});

describe('dockerode port when the Docker API is down', () => {
  it('retries with backoff, says so in the log, then reports the API as unavailable', async () => {
    const { logger, lines } = captureLogger();
    const port = await connectDockerPort({
      project: 'proj',
      stopTimeoutS: 1,
      logger,
      retry: { attempts: 3, initialMs: 10, maxMs: 20 },
      docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
    });
    await assert.rejects(port.listManaged('gateway'), DockerUnavailableError);
    assert.equal(lines.filter((l) => l.startsWith('Docker API list containers failed, retrying in')).length, 2);
  });
});
