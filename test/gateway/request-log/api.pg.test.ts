import assert from 'node:assert/strict';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { providerConfig, startGateway } from '../../support/start-gateway.js';
import { startLoggedGateway, waitForRows, type LoggedGateway } from './logged-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'hello' }];
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('request log: GET /api/logs and /api/logs/:id', function () {
  this.timeout(30_000);
  let server: PostgresServer;
  let upstream: MockUpstream;
  let node: LoggedGateway;

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
    upstream = await MockUpstream.start();
    const config = providerConfig(upstream.url);
    (config.providers as Record<string, unknown>).groq = {
      keys: [{ name: 'groq-key', value: 'gsk-test-abcdef0123456789', models: ['*'] }],
      network_config: { base_url: upstream.url },
    };
    config.governance = { auth_config: { admin_username: 'admin', admin_password: 'env.ADMIN_PASSWORD' } };
    node = await startLoggedGateway(server, config, { env: { ADMIN_PASSWORD: 'correct horse' } });
    const client = node.gateway.openai();
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'groq/llama', messages: MESSAGES });
    upstream.enqueue({ status: 400 });
    await assert.rejects(client.chat.completions.create({ model: 'openai/gpt-4o', messages: MESSAGES }));
    await waitForRows(node.db, 7);
  });

  after(async () => {
    await node?.close();
    await upstream?.close();
    await server?.destroy();
  });

  const get = (path: string, auth = basic('admin', 'correct horse')) => fetch(`${node.gateway.url}${path}`, { headers: { authorization: auth } });

  it('requires the admin credentials as HTTP Basic', async () => {
    const anonymous = await fetch(`${node.gateway.url}/api/logs`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await get('/api/logs', basic('admin', 'wrong'))).status, 401);
    assert.equal((await get('/api/logs')).status, 200);
  });

  it('filters, pages and summarises, newest first', async () => {
    const all = (await (await get('/api/logs?limit=5')).json()) as {
      logs: { provider: string }[];
      pagination: { total_count: number };
      stats: { total_requests: number; success_rate: number };
    };
    assert.equal(all.logs.length, 5);
    assert.equal(all.pagination.total_count, 7);
    assert.equal(all.stats.total_requests, 7);
    assert.equal(all.stats.success_rate, 85.71);
    const groq = (await (await get('/api/logs?providers=groq')).json()) as { logs: { provider: string; model: string }[] };
    assert.deepEqual(
      groq.logs.map((log) => `${log.provider}/${log.model}`),
      ['groq/llama', 'groq/llama'],
    );
    const failed = (await (await get('/api/logs?status=error')).json()) as { logs: { model: string; http_status: number }[] };
    assert.deepEqual(
      failed.logs.map((log) => [log.model, log.http_status]),
      [['gpt-4o', 400]],
    );
    const page2 = (await (await get('/api/logs?limit=5&offset=5')).json()) as { logs: unknown[] };
    assert.equal(page2.logs.length, 2);
  });

  it('answers one log by id, 404 for an unknown one, 400 for a bad filter', async () => {
    const list = (await (await get('/api/logs?limit=1')).json()) as { logs: { id: string; request_id: string }[] };
    const first = list.logs[0];
    const one = (await (await get(`/api/logs/${first?.id}`)).json()) as { id: string; request_id: string; selected_key_name: string };
    assert.equal(one.request_id, first?.request_id);
    assert.equal((await get('/api/logs/00000000-0000-0000-0000-000000000000')).status, 404);
    const bad = await get('/api/logs?sort_by=name');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'sort_by');
  });

  it('never shows a provider key value or the admin password', async () => {
    const text = await (await get('/api/logs?limit=1000')).text();
    for (const secret of ['sk-test-0123456789abcdef', 'gsk-test-abcdef0123456789', 'correct horse']) assert.ok(!text.includes(secret), secret);
  });

  it('answers 404 on a node without a logs store', async () => {
    const plain = await startGateway(providerConfig(upstream.url));
    try {
      assert.equal((await fetch(`${plain.url}/api/logs`)).status, 404);
    } finally {
      await plain.close();
    }
  });
});
