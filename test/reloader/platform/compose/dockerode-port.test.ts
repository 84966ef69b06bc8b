/**
 * The dockerode adapter against a stand-in Docker API that behaves like the socket proxy:
 * `GET /containers/{id}/json` (a container's inspect, which carries Config.Env, the provider
 * keys) is refused with 403, so the adapter must do all its reads through the list endpoint.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import { NotManagedError, type DockerPort } from '../../../../reloader/platform/compose/docker-port.js';
import { connectDockerPort, healthOf } from '../../../../reloader/platform/compose/dockerode-port.js';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, ROLE_LABEL } from '../../../../reloader/platform/compose/labels.js';
import { captureLogger } from '../../fake-cluster.js';

interface Summary {
  Id: string;
  Names: string[];
  State: string;
  Status: string;
  Labels: Record<string, string>;
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

const SELF_ID = `${hostname()}${'0'.repeat(64)}`.slice(0, 64);
const GATEWAY_ID = `a1${'b'.repeat(62)}`;
const STRANGER_ID = `c3${'d'.repeat(62)}`;

function containers(): Summary[] {
  const labels = (role: string, number: number) => ({ [PROJECT_LABEL]: 'proj', [ROLE_LABEL]: role, [CONTAINER_NUMBER_LABEL]: String(number) });
  return [
    {
      Id: SELF_ID,
      Names: ['/proj-reloader-1'],
      State: 'running',
      Status: 'Up 1 minute',
      Labels: { [PROJECT_LABEL]: 'proj' },
      NetworkSettings: { Networks: {} },
    },
    {
      Id: GATEWAY_ID,
      Names: ['/proj-gateway-2'],
      State: 'running',
      Status: 'Up 4 seconds (health: starting)',
      Labels: labels('gateway', 2),
      NetworkSettings: { Networks: { proj_gateway: { IPAddress: '172.20.0.5' } } },
    },
    { Id: STRANGER_ID, Names: ['/stranger'], State: 'running', Status: 'Up 2 hours', Labels: {}, NetworkSettings: { Networks: {} } },
  ];
}

/** One multiplexed log frame (stream 1, stdout), as Docker sends a container without a TTY. */
function frame(text: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

describe('dockerode port behind a socket proxy that refuses container inspect', () => {
  let server: Server;
  let port: DockerPort;
  const calls: string[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://docker');
      const path = url.pathname.replace(/^\/v[0-9.]+/, '');
      calls.push(`${req.method} ${path}${url.search}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      req.resume();
      if (req.method === 'GET' && path === '/containers/json') {
        const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { id?: string[]; label?: string[] };
        const list = containers().filter(
          (c) =>
            (filters.id ?? []).every((id) => c.Id.startsWith(id)) &&
            (filters.label ?? []).every((label) => {
              const [key, value] = label.split('=');
              return c.Labels[key!] === value;
            }),
        );
        return send(200, list);
      }
      if (req.method === 'GET' && /^\/containers\/[^/]+\/logs$/.test(path)) {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
        return res.end(Buffer.concat([frame('listening\n'), frame('fatal: cannot reach upstream\n')]));
      }
      if (req.method === 'POST' && /^\/containers\/[^/]+\/(stop|start)$/.test(path)) {
        res.writeHead(204);
        return res.end();
      }
      send(403, { message: 'forbidden by the ai-gateway socket proxy' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: tcpPort } = server.address() as AddressInfo;
    port = await connectDockerPort({
      project: '',
      stopTimeoutS: 620,
      logger: captureLogger().logger,
      retry: { attempts: 1, initialMs: 10, maxMs: 10 },
      docker: new Docker({ host: '127.0.0.1', port: tcpPort, protocol: 'http' }),
    });
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const inspects = calls.filter((c) => /^GET \/containers\/[^/]+\/json/.test(c) && !c.startsWith('GET /containers/json'));
    assert.deepEqual(inspects, [], 'no call for a container inspect (it would return the Env)');
  });

  it("resolves the project from its own container's labels, found by hostname in the list", () => {
    assert.equal(port.project, 'proj');
  });

  it('lists and looks up gateway nodes with their state, health, address and number', async () => {
    const [node] = await port.listManaged('gateway');
    assert.deepEqual(node, {
      id: GATEWAY_ID,
      name: 'proj-gateway-2',
      state: 'running',
      health: 'starting',
      number: 2,
      labels: containers()[1]!.Labels,
      networks: { proj_gateway: '172.20.0.5' },
    });
    assert.deepEqual(await port.inspect(GATEWAY_ID, 'gateway'), node);
    assert.equal(await port.inspect(`ee${'f'.repeat(62)}`, 'gateway'), undefined, 'a container that is gone');
    await assert.rejects(port.inspect(STRANGER_ID, 'gateway'), NotManagedError);
  });

  it('stops with the stop timeout, starts, and reads logs after checking the labels, refusing a stranger', async () => {
    await port.stop(GATEWAY_ID, 620);
    await port.start(GATEWAY_ID);
    assert.ok(calls.includes(`POST /containers/${GATEWAY_ID}/stop?t=620`), calls.join('\n'));
    assert.deepEqual(await port.logsTail(GATEWAY_ID, 20), ['listening', 'fatal: cannot reach upstream']);
    await assert.rejects(port.stop(STRANGER_ID, 620), NotManagedError);
    assert.ok(!calls.some((c) => c.startsWith(`POST /containers/${STRANGER_ID}`)), 'the stranger was never touched');
  });

  it("reads Docker's health from a list entry's Health field or its status line", () => {
    assert.equal(healthOf({ Status: 'Up 3 minutes (healthy)' }), 'healthy');
    assert.equal(healthOf({ Status: 'Up 3 minutes (unhealthy)' }), 'unhealthy');
    assert.equal(healthOf({ Status: 'Up 2 seconds (health: starting)' }), 'starting');
    assert.equal(healthOf({ Status: 'Up 3 minutes' }), 'none');
    assert.equal(healthOf({ Status: 'Up 3 minutes', Health: { Status: 'healthy' } }), 'healthy');
  });
});
