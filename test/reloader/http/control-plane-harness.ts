import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '../../../shared/config/index.js';
import { ConfigEditor } from '../../../reloader/config/config-editor.js';
import { evaluateConfigFile } from '../../../reloader/config/evaluate.js';
import { watchConfigFile, type ConfigWatch } from '../../../reloader/config/watch.js';
import type { WriteFs } from '../../../reloader/config/write-atomic.js';
import { ReloaderController } from '../../../reloader/controller/controller.js';
import { createReloaderApp } from '../../../reloader/http/app.js';
import { createCredentialSource } from '../../../reloader/http/auth.js';
import type { AllowedHosts } from '../../../reloader/http/host-allowlist.js';
import type { LoginLimiter } from '../../../reloader/http/login-limiter.js';
import { NodeMetricsCollector, type MetricsScraper } from '../../../reloader/http/node-metrics.js';
import { createNodeApiClient, type NodeApiClient } from '../../../reloader/http/node-api.js';
import { createMetrics } from '../../../reloader/observability/metrics.js';
import { createComposePlatform } from '../../../reloader/platform/compose/compose-platform.js';
import { captureLogger, FakeCluster } from '../fake-cluster.js';

/** A small valid config with a literal secret, an env reference and admin credentials. */
export function sampleConfig(options: { auth?: { username: string; password: string } | null; weight?: number; secret?: string } = {}): string {
  const auth = options.auth === null ? undefined : (options.auth ?? { username: 'admin', password: 'env.TEST_ADMIN_PASSWORD' });
  return `${JSON.stringify(
    {
      providers: {
        openai: {
          keys: [
            { name: 'primary', value: 'env.OPENAI_API_KEY', models: ['*'], weight: options.weight ?? 1 },
            { name: 'literal', value: options.secret ?? LITERAL_SECRET, models: ['gpt-4o-mini'], weight: 1 },
          ],
        },
      },
      ...(auth ? { governance: { auth_config: { admin_username: auth.username, admin_password: auth.password } } } : {}),
    },
    null,
    2,
  )}\n`;
}

/** The literal key written straight into the sample file: it must never come back out. */
export const LITERAL_SECRET = 'sk-live-LITERAL-0123456789-abcdefwxyz';
/** The admin password, held in the reloader's environment (the file says env.TEST_ADMIN_PASSWORD). */
export const ADMIN_PASSWORD = 'correct horse battery staple';
/** An admin token for RELOADER_ADMIN_TOKEN. */
export const ADMIN_TOKEN = 'tok-0123456789abcdef0123456789';

/** A running control plane over a temp config directory and a fake three-node cluster. */
export interface ControlPlane {
  url: string;
  dir: string;
  path: string;
  cluster: FakeCluster;
  controller: ReloaderController;
  editor: ConfigEditor;
  records: Array<Record<string, unknown>>;
  basic(user?: string, password?: string): string;
  close(): Promise<void>;
}

/** Options of startControlPlane. */
export interface ControlPlaneOptions {
  text?: string;
  token?: string;
  fs?: WriteFs;
  /** Watch the file and roll the fake cluster on each valid edit, as the reloader does. */
  live?: boolean;
  scraper?: MetricsScraper;
  loginLimiter?: LoginLimiter;
  allowedHosts?: AllowedHosts;
  /** A stand-in gateway node's URL: every node's /api/governance/usage and /api/logs are read there. */
  nodeUrl?: string;
  nodeApi?: NodeApiClient;
  /** GET /api/events streams open at once (default: the app's). */
  maxEventStreams?: number;
}

/** Every node read at one stand-in URL; without one, no node answers. */
function nodeApiFor(nodeUrl: string | undefined): NodeApiClient {
  if (!nodeUrl) return async () => ({ kind: 'unreachable', error: 'no gateway node in this test' });
  return createNodeApiClient({ port: 0, baseUrl: () => nodeUrl });
}

/** Starts the reloader's HTTP app on loopback with the real config editor on a temp file. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'control-plane-'));
  const path = join(dir, 'config.json');
  const text = options.text ?? sampleConfig();
  writeFileSync(path, text);
  const cluster = new FakeCluster(fingerprintOf(text));
  for (const n of [1, 2, 3]) cluster.addNode(`gateway-${n}`, n, fingerprintOf(text));
  const { logger, records } = captureLogger();
  // A node started loads the file as it is: the fake takes the newest valid fingerprint.
  const readConfig = async () => {
    const evaluation = await evaluateConfigFile(path);
    if (evaluation.kind === 'valid') cluster.file = evaluation.fingerprint;
    return evaluation;
  };
  const controller = new ReloaderController({
    platform: createComposePlatform({ docker: cluster.docker, probe: cluster.probe, rotation: cluster.rotation, logger, stopTimeoutS: 30 }),
    probe: cluster.probe,
    logger,
    metrics: createMetrics(),
    readConfig,
    configPath: path,
    healthTimeoutMs: 2000,
    drainTimeoutMs: 200,
    settleMs: options.live ? 300 : 5,
    reconcileIntervalMs: 3_600_000,
    pollMs: options.live ? 100 : 5,
  });
  let watcher: ConfigWatch | undefined;
  if (options.live) {
    watcher = watchConfigFile({
      path,
      debounceMs: 100,
      polling: false,
      pollIntervalMs: 100,
      onSettled: () => void readConfig().then((e) => controller.onConfig(e)),
    });
    await watcher.ready;
  }
  const editor = new ConfigEditor({ path, logger, historyKeep: 5, ...(options.fs ? { fs: options.fs } : {}) });
  const app = createReloaderApp({
    status: () => controller.status(),
    requestRollout: () => controller.requestRollout(),
    metrics: createMetrics(),
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    control: {
      editor,
      credentials: createCredentialSource(path, options.token, { TEST_ADMIN_PASSWORD: ADMIN_PASSWORD }),
      nodeMetrics: new NodeMetricsCollector(options.scraper ?? (async () => undefined), 0),
      nodeApi: options.nodeApi ?? nodeApiFor(options.nodeUrl),
      logger,
      eventsPollMs: 50,
      ...(options.maxEventStreams ? { maxEventStreams: options.maxEventStreams } : {}),
      ...(options.loginLimiter ? { loginLimiter: options.loginLimiter } : {}),
    },
  });
  await controller.start();
  await controller.settle();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    path,
    cluster,
    controller,
    editor,
    records,
    basic: (user = 'admin', password = ADMIN_PASSWORD) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await watcher?.close();
      await controller.stop();
    },
  };
}
