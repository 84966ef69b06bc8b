import assert from 'node:assert/strict';
import { ConfigLoadError, loadConfigBytes, validateConfigText } from '../../../shared/config/index.js';

const PROVIDERS = { openai: { keys: [{ name: 'k', value: 'sk-x', models: ['*'], weight: 1 }] } };

function withStore(logsStore: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ providers: PROVIDERS, logs_store: logsStore, ...extra });
}

describe('logs_store config', () => {
  it('resolves a postgres store: env. password, string port, defaults', () => {
    const text = withStore({ enabled: true, type: 'postgres', config: { host: 'db', port: '5433', user: 'gw', password: 'env.PG_PASS', db_name: 'logs' } });
    const { config, report } = loadConfigBytes(text, { PG_PASS: 's3cret' });
    assert.deepEqual(config.logsStore, {
      type: 'postgres',
      retentionDays: 30,
      postgres: { host: 'db', port: 5433, user: 'gw', password: 's3cret', database: 'logs', sslMode: 'disable', maxOpenConns: 10, maxIdleConns: 5 },
    });
    assert.deepEqual(report.unsupported, []);
  });

  it('names an unset env. password as missing, never its value', () => {
    const text = withStore({ enabled: true, type: 'postgres', config: { host: 'db', user: 'gw', password: 'env.PG_PASS', db_name: 'logs' } });
    const { report } = loadConfigBytes(text, {});
    assert.deepEqual(report.missingVariables, [{ variable: 'PG_PASS', usedBy: ['logs_store.config'] }]);
  });

  it('reports each bad field of an enabled store with its path', () => {
    const result = validateConfigText(
      withStore({ enabled: true, type: 'postgres', retention_days: -1, config: { port: 'abc', ssl_mode: 'sometimes', max_open_conns: 0 } }),
    );
    assert.equal(result.ok, false);
    const paths = result.ok ? [] : result.issues.map((issue) => issue.path).sort();
    assert.deepEqual(paths, [
      'logs_store.config.db_name',
      'logs_store.config.host',
      'logs_store.config.max_open_conns',
      'logs_store.config.port',
      'logs_store.config.ssl_mode',
      'logs_store.config.user',
      'logs_store.retention_days',
    ]);
  });

  it('refuses an unknown store type', () => {
    const result = validateConfigText(withStore({ enabled: true, type: 'mysql', config: {} }));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.issues.some((issue) => issue.path === 'logs_store.type'));
  });

  it('accepts a disabled store with leftover fields, and no store at all', () => {
    assert.equal(validateConfigText(withStore({ enabled: false, type: 'postgres', config: { port: 'x' } })).ok, true);
    assert.equal(loadConfigBytes(JSON.stringify({ providers: PROVIDERS }), {}).config.logsStore, undefined);
  });

  it('accepts sqlite but names it unsupported (each node would have its own file)', () => {
    const { config, report } = loadConfigBytes(withStore({ enabled: true, type: 'sqlite', config: { path: './logs.db' } }), {});
    assert.deepEqual(config.logsStore, { type: 'sqlite', retentionDays: 30, path: './logs.db' });
    assert.ok(report.unsupported.includes('logs_store'));
  });

  it('refuses a port that resolves to no number', () => {
    const text = withStore({ enabled: true, type: 'postgres', config: { host: 'db', port: 'env.PG_PORT', user: 'gw', db_name: 'logs' } });
    assert.throws(
      () => loadConfigBytes(text, { PG_PORT: 'nope' }),
      (error: unknown) => error instanceof ConfigLoadError && error.issues[0]?.path === 'logs_store.config.port',
    );
  });

  it('reads governance.auth_config admin credentials (env. allowed)', () => {
    const text = withStore(undefined, { governance: { auth_config: { admin_username: 'admin', admin_password: 'env.ADMIN_PASS' } } });
    assert.deepEqual(loadConfigBytes(text, { ADMIN_PASS: 'pw' }).config.adminAuth, { username: 'admin', password: 'pw' });
    assert.equal(loadConfigBytes(text, {}).config.adminAuth, undefined);
  });
});
