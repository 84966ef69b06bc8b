import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { ADMIN_PASSWORD, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { startFakeGatewayNode, type FakeGatewayNode } from './fake-gateway-node.js';
import { call } from './http-call.js';

/** A raw GET whose path is sent as written (fetch and URL would resolve `..` first). */
function rawGet(url: string, path: string, authorization?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, path, headers: authorization ? { authorization } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens GET /api/events and resolves once the answer's head is in (the stream stays open). */
function openEvents(url: string, authorization?: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events`, { headers: authorization ? { authorization } : {} }, (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end();
  });
}

describe('control plane hardening', () => {
  let cp: ControlPlane | undefined;
  let node: FakeGatewayNode | undefined;
  afterEach(async () => {
    await cp?.close();
    cp = undefined;
  });
  after(async () => {
    await node?.close();
  });

  it('a config PUT past the body cap answers 413 PAYLOAD_TOO_LARGE, and writes nothing', async () => {
    cp = await startControlPlane();
    const read = await call(cp, 'GET', '/api/config', { auth: cp.basic() });
    const fingerprint = (read.json as { fingerprint: string }).fingerprint;
    const huge = { text: 'x'.repeat(3 * 1024 * 1024) };
    const answer = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: fingerprint, body: huge });
    assert.equal(answer.status, 413);
    assert.equal((answer.json as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    assert.match((answer.json as { error: string }).error, /2 MB|2097152/);
    const after = await call(cp, 'GET', '/api/config', { auth: cp.basic() });
    assert.equal((after.json as { fingerprint: string }).fingerprint, fingerprint);
  });

  it('GET /api/logs/:id forwards only a plain id: a dot segment cannot reach another node path', async () => {
    node = await startFakeGatewayNode({ username: 'admin', password: ADMIN_PASSWORD });
    cp = await startControlPlane({ nodeUrl: node.url });
    for (const id of ['..', '%2e%2e', '.', '%2E']) {
      node.seen.length = 0;
      const answer = await rawGet(cp.url, `/api/logs/${id}?limit=1`, cp.basic());
      assert.equal(answer.status, 400, `${id}: ${answer.body}`);
      assert.deepEqual(node.seen, [], `${id} reached the node`);
    }
    // An ordinary id still goes through, to the node's /api/logs/<id>.
    const id = node.logs[0]?.id ?? '';
    const ok = await call(cp, 'GET', `/api/logs/${encodeURIComponent(id)}`, { auth: cp.basic() });
    assert.equal(ok.status, 200);
    assert.equal((ok.json as { id: string }).id, id);
  });

  it('GET /api/events holds at most maxEventStreams streams (503 EVENTS_BUSY past it); a client leaving frees its place', async () => {
    // No credentials configured: reads are open to anyone who reaches the port, so the bound matters most here.
    cp = await startControlPlane({ text: sampleConfig({ auth: null }), maxEventStreams: 2 });
    const first = await openEvents(cp.url);
    const second = await openEvents(cp.url);
    assert.equal(first.res.statusCode, 200);
    assert.equal(second.res.statusCode, 200);
    const third = await openEvents(cp.url);
    assert.equal(third.res.statusCode, 503);
    assert.equal(third.res.headers['retry-after'], '5');
    third.res.resume();
    first.req.destroy();
    // The server sees the close on its own schedule: ask again until the freed place is taken.
    for (;;) {
      const again = await openEvents(cp.url);
      if (again.res.statusCode === 200) {
        again.req.destroy();
        break;
      }
      again.res.resume();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    second.req.destroy();
  });

  it("X-Forwarded-For is not trusted: wrong logins under ever-new forwarded addresses still lock the connection's IP", async () => {
    cp = await startControlPlane();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${cp.url}/api/config`, {
        headers: { authorization: cp.basic('admin', `wrong-${i}`), 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `198.51.100.${i}` },
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
    const right = await fetch(`${cp.url}/api/config`, { headers: { authorization: cp.basic(), 'x-forwarded-for': '192.0.2.1' } });
    assert.equal(right.status, 429, 'a new forwarded address does not lift the lockout');
  });

  it("what a cross-site form can send (text/plain, urlencoded, multipart), with the admin's Basic credentials, cannot roll the config back", async () => {
    cp = await startControlPlane();
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const edited = await call(cp, 'PUT', '/api/config', {
      auth: cp.basic(),
      ifMatch: read.fingerprint,
      body: { text: read.text.replace('"weight": 1', '"weight": 0.5') },
    });
    assert.equal(edited.status, 200);
    const before = readFileSync(cp.path, 'utf8');
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await fetch(`${cp.url}/api/config/rollback/1`, {
        method: 'POST',
        headers: { authorization: cp.basic(), origin: 'http://evil.example', 'content-type': contentType },
        body: '{"a":"="}',
      });
      assert.equal(response.status, 415, contentType);
      assert.equal(((await response.json()) as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(readFileSync(cp.path, 'utf8'), before, 'the file is unchanged');
  });
});
