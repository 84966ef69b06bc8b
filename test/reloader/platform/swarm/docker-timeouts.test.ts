import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerUnavailableError } from '../../../../reloader/errors.js';
import { connectSwarmPort } from '../../../../reloader/platform/swarm/dockerode-swarm-port.js';
import type { SwarmPort } from '../../../../reloader/platform/swarm/swarm-port.js';
import { captureLogger } from '../../fake-cluster.js';

/**
 * A wedged swarm manager (or socket proxy in front of it): it answers `GET /info` as an active
 * manager, so the reloader connects, then takes every other request and never answers.
 */
async function startWedgedManager(): Promise<{ socketPath: string; requests: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wedged-swarm-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://docker').pathname.replace(/^\/v[0-9.]+/, '');
    requests.push(`${req.method} ${path}`);
    req.resume();
    if (path === '/info') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Swarm: { LocalNodeState: 'active', ControlAvailable: true } }));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('swarm adapter against a manager that takes connections and never answers', () => {
  let manager: Awaited<ReturnType<typeof startWedgedManager>>;
  let port: SwarmPort;
  before(async () => {
    manager = await startWedgedManager();
    port = await connectSwarmPort({
      stack: 'gw',
      serviceName: 'gateway',
      configTarget: '/config/config.json',
      callTimeoutMs: 100,
      logger: captureLogger().logger,
      // The client's own timeout as production sets it: an idle-socket backstop of a minute.
      docker: new Docker({ socketPath: manager.socketPath, timeout: 60_000 }),
    });
  });
  after(async () => manager.close());

  it('every call gives up at its deadline and reports the Docker API unavailable, naming the call', async () => {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['inspect service', () => port.listTasks()],
      ['inspect service', () => port.inspectService()],
      ['list configs', () => port.ensureConfig('gateway-config-x', Buffer.from('{}'))],
      ['list configs', () => port.listConfigs()],
    ];
    for (const [operation, call] of calls) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof DockerUnavailableError, String(error));
        assert.match(String((error as Error).cause), new RegExp(`${operation}: no answer within 100 ms`));
        return true;
      });
    }
    assert.ok(manager.requests.includes('GET /services/gw_gateway'), manager.requests.join(', '));
  });
});
