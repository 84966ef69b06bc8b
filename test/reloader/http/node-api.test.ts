import assert from 'node:assert/strict';
import { createNodeApiClient } from '../../../reloader/http/node-api.js';
import { ADMIN_PASSWORD, LITERAL_SECRET, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { startFakeGatewayNode, type FakeGatewayNode } from './fake-gateway-node.js';
import { call } from './http-call.js';

const ADMIN = { username: 'admin', password: ADMIN_PASSWORD };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Coded {
  code: string;
  error: string;
}

describe('control plane: governance usage and request log, read from a gateway node', () => {
  let node: FakeGatewayNode;
  let cp: ControlPlane;
  beforeEach(async () => {
    node = await startFakeGatewayNode(ADMIN);
  });
  afterEach(async () => {
    await cp?.close();
    await node.close();
  });

  it('GET /api/governance/usage answers the node report, asked with the admin credentials, behind the reloader own login', async () => {
    cp = await startControlPlane({ nodeUrl: node.url });
    assert.equal((await call(cp, 'GET', '/api/governance/usage')).status, 401);
    assert.equal(node.seen.length, 0, 'nothing is asked of a node before the reloader login');
    const answer = await call(cp, 'GET', '/api/governance/usage', { auth: cp.basic() });
    assert.equal(answer.status, 200);
    const report = answer.json as { store: string; budgets: Array<{ id: string; used: number; limit: number }>; virtual_keys: Array<{ name: string }> };
    assert.equal(report.store, 'up');
    assert.deepEqual(
      report.budgets.map((b) => [b.id, b.used, b.limit]),
      [['budget-daily', 9.42, 10]],
    );
    assert.deepEqual(
      report.virtual_keys.map((k) => k.name),
      ['support-bot', 'nightly-batch'],
    );
    assert.match(answer.headers.get('x-gateway-node') ?? '', /^gateway-[123]$/);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.deepEqual(node.seen, [{ path: '/api/governance/usage', authorization: basic('admin', ADMIN_PASSWORD) }]);
    assert.doesNotMatch(answer.text, new RegExp(`${LITERAL_SECRET}|${ADMIN_PASSWORD}`));
  });

  it('GET /api/logs passes the filters and paging on and answers the node page; GET /api/logs/:id one entry', async () => {
    cp = await startControlPlane({ nodeUrl: node.url });
    const answer = await call(cp, 'GET', '/api/logs?providers=openai&status=error&limit=3&offset=1', { auth: cp.basic() });
    assert.equal(answer.status, 200);
    assert.equal(node.seen[0]?.path, '/api/logs?providers=openai&status=error&limit=3&offset=1');
    const page = answer.json as { logs: Array<{ id: string; provider: string; status: string }>; pagination: { total_count: number; offset: number } };
    const expected = node.logs.filter((l) => l.provider === 'openai' && l.status === 'error');
    assert.equal(page.pagination.total_count, expected.length);
    assert.deepEqual(
      page.logs.map((l) => l.id),
      expected.slice(1, 4).map((l) => l.id),
    );
    const first = node.logs[0];
    const one = await call(cp, 'GET', `/api/logs/${first?.id}`, { auth: cp.basic() });
    assert.equal(one.status, 200);
    assert.equal((one.json as { request_id: string }).request_id, first?.request_id);
    const missing = await call(cp, 'GET', '/api/logs/00000000-0000-4000-8000-999999999999', { auth: cp.basic() });
    assert.equal(missing.status, 404);
    assert.equal((missing.json as Coded).code, 'LOG_NOT_FOUND');
  });

  it('a query the node refuses is a 400 with the node message', async () => {
    cp = await startControlPlane({ nodeUrl: node.url });
    const answer = await call(cp, 'GET', '/api/logs?limit=5000', { auth: cp.basic() });
    assert.equal(answer.status, 400);
    assert.match((answer.json as Coded).error, /limit must be an integer from 1 to 1000/);
  });

  it('says clearly when governance or the request log is off on the nodes (404 with enabled: false)', async () => {
    cp = await startControlPlane({ nodeUrl: node.url });
    node.governanceOff = true;
    const usage = await call(cp, 'GET', '/api/governance/usage', { auth: cp.basic() });
    assert.equal(usage.status, 404);
    assert.deepEqual([(usage.json as Coded).code, (usage.json as { enabled: boolean }).enabled], ['GOVERNANCE_NOT_ENABLED', false]);
    assert.match((usage.json as Coded).error, /governance is not enabled/);
    node.logsOff = true;
    for (const path of ['/api/logs', '/api/logs/00000000-0000-4000-8000-000000000001']) {
      const logs = await call(cp, 'GET', path, { auth: cp.basic() });
      assert.equal(logs.status, 404, path);
      assert.equal((logs.json as Coded).code, 'REQUEST_LOG_NOT_ENABLED', path);
      assert.match((logs.json as Coded).error, /request log is not enabled.*logs_store/);
    }
  });

  it('with no healthy node answers 503 NO_HEALTHY_NODE and asks nobody', async () => {
    cp = await startControlPlane({ nodeUrl: node.url });
    for (const n of cp.cluster.nodes.values()) n.state = 'exited';
    cp.controller.trigger('reconcile');
    await cp.controller.settle();
    const answer = await call(cp, 'GET', '/api/logs', { auth: cp.basic() });
    assert.equal(answer.status, 503);
    assert.equal((answer.json as Coded).code, 'NO_HEALTHY_NODE');
    assert.equal(node.seen.length, 0);
  });

  it('a node that hangs costs a bounded wait (504, two nodes tried), one that sends 50 MB is cut off (502)', async () => {
    cp = await startControlPlane({ nodeApi: createNodeApiClient({ port: 0, baseUrl: () => node.url, timeoutMs: 300 }) });
    node.mode = 'hang';
    const started = Date.now();
    const hung = await call(cp, 'GET', '/api/governance/usage', { auth: cp.basic() });
    assert.equal(hung.status, 504);
    assert.equal((hung.json as Coded).code, 'NODE_TIMEOUT');
    assert.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`);
    assert.equal(node.seen.length, 2, 'a second healthy node was tried, no more');
    await cp.close();

    cp = await startControlPlane({ nodeUrl: node.url });
    node.mode = 'huge';
    const before = process.memoryUsage().rss;
    const huge = await call(cp, 'GET', '/api/logs', { auth: cp.basic() });
    assert.equal(huge.status, 502);
    assert.equal((huge.json as Coded).code, 'NODE_ANSWER_TOO_LARGE');
    assert.match((huge.json as Coded).error, /too large.*limit/);
    assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024, 'the 50 MB were not read into memory');
  });

  it('says so when the node refuses the credentials the reloader holds (502 NODE_AUTH_REFUSED)', async () => {
    cp = await startControlPlane({ nodeUrl: node.url, text: sampleConfig({ auth: { username: 'admin', password: 'not-the-node-password' } }) });
    const answer = await call(cp, 'GET', '/api/logs', { auth: basic('admin', 'not-the-node-password') });
    assert.equal(answer.status, 502);
    assert.equal((answer.json as Coded).code, 'NODE_AUTH_REFUSED');
    assert.match((answer.json as Coded).error, /ADMIN_PASSWORD/);
  });
});
