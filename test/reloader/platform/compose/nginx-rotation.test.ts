import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createComposePlatform } from '../../../../reloader/platform/compose/compose-platform.js';
import type { ContainerInfo, DockerPort } from '../../../../reloader/platform/compose/docker-port.js';
import { createNginxRotation, RotationError } from '../../../../reloader/platform/compose/nginx-rotation.js';
import { parseGeneration } from '../../../../reloader/platform/compose/render-rotation.js';
import type { ObservedNode } from '../../../../reloader/rollout/node.js';
import { captureLogger } from '../../fake-cluster.js';

/**
 * A stand-in for nginx: on SIGHUP (through the fake Docker port) it re-reads generation.conf,
 * as a reload would, and its /rotation answers that generation.
 */
function startFakeNginx(dir: string, reloads: { enabled: boolean }) {
  let generation = '0';
  const signals: string[] = [];
  const server: Server = createServer((req, res) => {
    res.end(req.url === '/rotation' ? generation : 'not found');
  });
  const balancer = (): ContainerInfo => ({
    id: 'nginx-id',
    name: 'proj-nginx-1',
    state: 'running',
    health: 'none',
    number: 1,
    labels: {},
    networks: { proj_default: '127.0.0.1' },
  });
  const docker: DockerPort = {
    project: 'proj',
    listManaged: async (role) => (role === 'load-balancer' ? [balancer()] : []),
    inspect: async () => undefined,
    stop: async () => {},
    start: async () => {},
    signal: async (id, signal) => {
      signals.push(`${id} ${signal}`);
      if (reloads.enabled) generation = String(parseGeneration(readFileSync(join(dir, 'generation.conf'), 'utf8')));
    },
    logsTail: async () => [],
    watchEvents: () => () => {},
  };
  return { server, docker, signals };
}

describe('nginx rotation control', () => {
  let dir: string;
  let server: Server;
  afterEach(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes servers.conf and generation.conf, sends SIGHUP, and waits for nginx to show the generation', async () => {
    dir = mkdtempSync(join(tmpdir(), 'reloader-rotation-'));
    writeFileSync(join(dir, 'generation.conf'), 'map "" $rotation_generation { default "7"; }\n');
    const fake = startFakeNginx(dir, { enabled: true });
    server = fake.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const rotation = await createNginxRotation({
      docker: fake.docker,
      logger: captureLogger().logger,
      rotationDir: dir,
      gatewayPort: 8080,
      statusPort: (server.address() as AddressInfo).port,
      timeoutMs: 5000,
      pollMs: 10,
    });
    const result = await rotation.apply([
      { name: 'gateway-1', ip: '172.18.0.3' },
      { name: 'gateway-3', ip: '172.18.0.5' },
    ]);
    assert.deepEqual(result, { confirmed: true, generation: 8 }, 'continues from the generation on the volume');
    assert.deepEqual(fake.signals, ['nginx-id SIGHUP']);
    const servers = readFileSync(join(dir, 'servers.conf'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('server'));
    assert.deepEqual(servers, [
      'server 172.18.0.3:8080 max_fails=1 fail_timeout=2s; # gateway-1',
      'server 172.18.0.5:8080 max_fails=1 fail_timeout=2s; # gateway-3',
    ]);
    assert.equal(readFileSync(join(dir, 'generation.conf'), 'utf8'), 'map "" $rotation_generation { default "8"; }\n');
    assert.equal(rotation.describe().loadBalancer, 'proj-nginx-1');
  });

  it('fails clearly when nginx does not pick up the new generation', async () => {
    dir = mkdtempSync(join(tmpdir(), 'reloader-rotation-'));
    const fake = startFakeNginx(dir, { enabled: false });
    server = fake.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const rotation = await createNginxRotation({
      docker: fake.docker,
      logger: captureLogger().logger,
      rotationDir: dir,
      gatewayPort: 8080,
      statusPort: (server.address() as AddressInfo).port,
      timeoutMs: 300,
      pollMs: 10,
    });
    await assert.rejects(rotation.apply([{ name: 'gateway-1', ip: '172.18.0.3' }]), (error: unknown) => {
      assert.ok(error instanceof RotationError);
      assert.match(error.message, /nginx did not show rotation generation 1 within 300 ms \(last answer: 0\)/);
      return true;
    });
  });

  it('after a change nginx did not confirm in time, the next sync writes and reloads again (no node left out for good)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'reloader-rotation-'));
    const reloads = { enabled: true };
    const fake = startFakeNginx(dir, reloads);
    server = fake.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { logger } = captureLogger();
    const rotation = await createNginxRotation({
      docker: fake.docker,
      logger,
      rotationDir: dir,
      gatewayPort: 8080,
      statusPort: (server.address() as AddressInfo).port,
      timeoutMs: 200,
      pollMs: 10,
    });
    const platform = createComposePlatform({ docker: fake.docker, probe: { probe: async () => ({ reachable: false }) }, rotation, logger, stopTimeoutS: 1 });
    const node = (n: number): ObservedNode => ({
      id: `id${n}`,
      name: `gateway-${n}`,
      number: n,
      running: true,
      dockerHealth: 'healthy',
      ip: `10.0.0.${n}`,
      health: { reachable: true, status: 'ok', fingerprint: 'sha256:x' },
    });
    const nodes = [node(1), node(2), node(3)];
    const listed = () =>
      readFileSync(join(dir, 'servers.conf'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('server'))
        .map((l) => l.split('# ')[1]);

    await platform.syncRotation(nodes);
    reloads.enabled = false; // this reload is slow: nginx shows the generation only after the wait gave up
    await assert.rejects(platform.syncRotation(nodes, 'id1'), RotationError);
    assert.deepEqual(listed(), ['gateway-2', 'gateway-3'], 'the files were written before the wait');
    assert.equal(rotation.appliedKey(), undefined, 'what nginx runs is unknown now');
    reloads.enabled = true;

    await platform.syncRotation(nodes);
    assert.deepEqual(listed(), ['gateway-1', 'gateway-2', 'gateway-3']);
    assert.deepEqual(fake.signals, ['nginx-id SIGHUP', 'nginx-id SIGHUP', 'nginx-id SIGHUP'], 'written and reloaded again');
  });

  it('writes a loadable placeholder for an empty list and works without a load balancer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'reloader-rotation-'));
    const { logger, lines } = captureLogger();
    const docker: DockerPort = { ...startFakeNginx(dir, { enabled: true }).docker, listManaged: async () => [] };
    server = createServer();
    const rotation = await createNginxRotation({ docker, logger, rotationDir: dir, gatewayPort: 8080, statusPort: 1, timeoutMs: 300 });
    assert.deepEqual(await rotation.apply([]), { confirmed: false, generation: 1 });
    assert.match(readFileSync(join(dir, 'servers.conf'), 'utf8'), /^server 127\.0\.0\.1:9 down;/m);
    assert.ok(lines.some((l) => l.startsWith('no running load-balancer container found')));
  });
});
