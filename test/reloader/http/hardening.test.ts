import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ADMIN_PASSWORD, startControlPlane, type ControlPlane } from './control-plane-harness.js';
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
});
