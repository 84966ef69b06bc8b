import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, ROLE_LABEL } from '../../../../../reloader/platform/compose/labels.js';

/** The gateway container the stand-in lists. */
export const STALLING_GATEWAY_ID = `a1${'b'.repeat(62)}`;
/** The load-balancer container the stand-in lists. */
export const STALLING_NGINX_ID = `c3${'d'.repeat(62)}`;

/** What the stand-in does with each kind of call: answer, or take the request and never answer. */
export interface StallingBehaviour {
  /** `GET /containers/json`. */
  list: 'answer' | 'stall';
  /** `POST /containers/{id}/stop`: answered after this many milliseconds (the node taking its time to exit). */
  stopAfterMs: number;
}

/** A Docker API on a unix socket that accepts connections and, for the calls it is told to, never answers. */
export interface StallingDockerApi {
  socketPath: string;
  /** Requests received, as "METHOD /path". */
  requests: string[];
  behaviour: StallingBehaviour;
  close(): Promise<void>;
}

/**
 * A wedged Docker engine or socket proxy: it accepts every connection (so nothing is refused)
 * and reads the request, but answers only what `behaviour` says: start, kill and logs never.
 */
export async function startStallingDockerApi(behaviour: StallingBehaviour): Promise<StallingDockerApi> {
  const dir = mkdtempSync(join(tmpdir(), 'stalling-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const api: StallingDockerApi = { socketPath, requests, behaviour, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://docker').pathname.replace(/^\/v[0-9.]+/, '');
    requests.push(`${req.method} ${path}`);
    req.resume();
    if (req.method === 'GET' && path === '/containers/json' && api.behaviour.list === 'answer') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify([summary(STALLING_GATEWAY_ID, 'gateway'), summary(STALLING_NGINX_ID, 'load-balancer')]));
    }
    if (req.method === 'POST' && path.endsWith('/stop')) {
      setTimeout(() => {
        res.writeHead(204);
        res.end();
      }, api.behaviour.stopAfterMs);
    }
    // Anything else: no answer, ever.
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  api.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return api;
}

function summary(id: string, role: 'gateway' | 'load-balancer') {
  return {
    Id: id,
    Names: [`/proj-${role}-1`],
    State: 'running',
    Status: 'Up 1 minute (healthy)',
    Labels: { [PROJECT_LABEL]: 'proj', [ROLE_LABEL]: role, [CONTAINER_NUMBER_LABEL]: '1' },
    NetworkSettings: { Networks: { proj_default: { IPAddress: '10.9.0.2' } } },
  };
}
