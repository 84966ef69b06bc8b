import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { buildTinyNodeImage } from '../reloader/platform/compose/support/tiny-node-image.js';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'rolling-replace.sh');
const COMPOSE = process.env.E2E_COMPOSE_BIN ?? 'docker-compose';
const RUN = randomBytes(4).toString('hex');
const PROJECT = `rrtest${RUN}`;
const IMAGE = `rolling-replace-test-node:${RUN}`;

/**
 * The compose assumption of scripts/rolling-replace.sh, on the real engine with the compose
 * on this machine: `up --no-recreate --scale N+1` leaves the old containers alone and creates
 * one from the changed definition, so an environment change reaches every node with never
 * fewer than N healthy. A stand-in for the reloader's /status lists the healthy containers.
 */
describe('scripts/rolling-replace.sh with compose on a real engine', function () {
  this.timeout(600_000);
  const docker = new Docker();
  let dir: string;
  let statusServer: Server;
  let statusUrl: string;
  const compose = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(COMPOSE, ['-p', PROJECT, '-f', join(dir, 'compose.yml'), ...args], { env: { ...process.env, ...env }, cwd: dir, timeout: 300_000 });
  const healthy = async () =>
    (await docker.listContainers({ filters: { label: [`com.docker.compose.project=${PROJECT}`], health: ['healthy'] } })).map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
    }));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rolling-replace-compose-'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'config.json'), '{"providers":{}}');
    const node = await buildTinyNodeImage(IMAGE);
    writeFileSync(
      join(dir, 'compose.yml'),
      `services:
  gateway:
    image: ${IMAGE}
    command: ["${node}", "/app/server.mjs"]
    scale: 2
    environment:
      SECRET_MARK: \${SECRET_MARK:-one}
    labels:
      ai-gateway.role: gateway
    volumes:
      - ./config:/config:ro
    healthcheck:
      test: ["CMD", "${node}", "/app/check.mjs"]
      interval: 1s
      timeout: 10s
      retries: 30
`,
    );
    // The reloader's /status as the script reads it: healthy containers are "in rotation".
    statusServer = createServer((_req, res) => {
      healthy().then(
        (servers) => res.end(JSON.stringify({ rollouts: { current: null }, rotation: { servers: servers.map((s) => ({ name: s.name, ip: '10.0.0.1' })) } })),
        () => res.writeHead(500).end(),
      );
    }).listen(0, '127.0.0.1');
    await new Promise((r) => statusServer.once('listening', r));
    statusUrl = `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}`;
    await compose(['up', '-d']);
  });

  after(async () => {
    statusServer?.close();
    if (dir) await compose(['down', '-v', '-t', '1']).catch(() => undefined);
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('replaces every node with one carrying the new environment, never below two healthy', async () => {
    for (let i = 0; (await healthy()).length < 2; i++) {
      if (i > 600) throw new Error('the two nodes never became healthy');
      await new Promise((r) => setTimeout(r, 200));
    }
    const before = (await healthy()).map((c) => c.id);
    let fewest = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        fewest = Math.min(fewest, (await healthy()).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await run('sh', [SCRIPT, '-p', PROJECT, '-f', join(dir, 'compose.yml')], {
        cwd: dir,
        env: { ...process.env, COMPOSE, RELOADER_URL: statusUrl, SECRET_MARK: 'two', WAIT_S: '240' },
        timeout: 500_000,
      });
    } finally {
      watching = false;
      await watcher;
    }
    const after = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${PROJECT}`] } });
    assert.equal(after.length, 2, JSON.stringify(after.map((c) => c.Names)));
    assert.ok(
      after.every((c) => !before.includes(c.Id)),
      'every old node was replaced',
    );
    for (const c of after) {
      const env = (await docker.getContainer(c.Id).inspect()).Config.Env;
      assert.ok(env.includes('SECRET_MARK=two'), `${c.Names[0]} runs with the new environment`);
    }
    assert.ok(fewest >= 2, `at one point only ${fewest} node(s) were healthy`);
  });
});
