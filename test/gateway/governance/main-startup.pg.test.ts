import assert from 'node:assert/strict';
import { spawnGateway, startGatewayProcess } from '../../support/spawn-gateway.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';

const UPSTREAM = 'http://127.0.0.1:9';
const limited = {
  providers: { openai: { keys: [{ name: 'oa', value: 'sk-upstream-main-0000001', models: ['*'] }], network_config: { base_url: UPSTREAM } } },
  governance: {
    virtual_keys: [{ id: 'vk', value: 'sk-bf-main-startup-0001', rate_limit_id: 'rl' }],
    rate_limits: [{ id: 'rl', request_max_limit: 5, request_reset_duration: '1m' }],
  },
};

describe('gateway main with governance (child process)', function () {
  this.timeout(60_000);
  let pg: PostgresServer | undefined;

  after(async () => {
    await pg?.destroy();
  });

  it('refuses to start with limits but no store, saying what to set', async () => {
    const started = startGatewayProcess(limited);
    started.listening.catch(() => undefined);
    assert.equal(await started.gateway.exited, 1);
    assert.match(started.gateway.stderr(), /budgets or rate limits but no store.*GOVERNANCE_DATABASE_URL/s);
  });

  it('starts with keys and restrictions alone, without a store', async () => {
    const node = await spawnGateway({ ...limited, governance: { virtual_keys: [{ id: 'vk', value: 'sk-bf-main-startup-0001' }] } });
    assert.ok(node.logs.some((line) => line.event === 'governance' && line.store === 'none (no budgets or rate limits)'));
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
  });

  it('counts in the logs_store PostgreSQL, its password from env, never logged', async () => {
    pg = await startPostgres();
    await pg.createDatabase('governance_main');
    const config = {
      ...limited,
      logs_store: {
        enabled: true,
        type: 'postgres',
        config: { host: pg.host, port: String(pg.port), user: pg.user, password: 'env.PG_PASSWORD', db_name: 'governance_main', ssl_mode: 'disable' },
      },
    };
    const node = await spawnGateway(config, { env: { PG_PASSWORD: 'not-needed-with-trust-auth' } });
    const line = node.logs.find((l) => l.event === 'governance');
    assert.equal(line?.store, `logs_store postgres ${pg.host}:${pg.port}/governance_main`);
    const response = await fetch(`${node.url}/api/governance/usage`);
    assert.equal(((await response.json()) as { store: string }).store, 'up');
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
    assert.ok(!JSON.stringify(node.logs).includes('not-needed-with-trust-auth'));
  });
});
