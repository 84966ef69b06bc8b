import assert from 'node:assert/strict';
import { ConfigLoadError, loadConfigBytes } from '../../../shared/config/index.js';

describe('loadConfigBytes (env secrets)', () => {
  const config = JSON.stringify({
    providers: {
      openai: {
        keys: [
          { name: 'set', value: 'env.TEST_OPENAI_KEY', models: ['*'] },
          { name: 'unset', value: 'env.TEST_MISSING_KEY', models: ['*'] },
          { name: 'literal', value: 'sk-literal-value', models: ['*'] },
        ],
        network_config: { base_url: 'env.TEST_BASE_URL', extra_headers: { 'x-tenant': 'env.TEST_TENANT' } },
      },
    },
  });

  it('replaces env.NAME with the variable and keeps literal values', () => {
    const { config: runtime } = loadConfigBytes(config, { TEST_OPENAI_KEY: 'sk-from-env', TEST_BASE_URL: 'http://127.0.0.1:9/', TEST_TENANT: 't1' });
    const openai = runtime.providers.get('openai');
    assert.equal(openai?.keys[0]?.value, 'sk-from-env');
    assert.equal(openai?.keys[2]?.value, 'sk-literal-value');
    assert.equal(openai?.baseUrlOverride, 'http://127.0.0.1:9');
    assert.equal(openai?.extraHeaders['x-tenant'], 't1');
  });

  it('marks a key whose variable is unset unusable and reports the variable name only', () => {
    const { config: runtime, report } = loadConfigBytes(config, { TEST_OPENAI_KEY: 'sk-from-env', TEST_BASE_URL: 'http://x', TEST_TENANT: 't' });
    const keys = runtime.providers.get('openai')?.keys ?? [];
    assert.deepEqual(
      keys.map((key) => key.usable),
      [true, false, true],
    );
    assert.deepEqual(
      report.missingVariables.map((entry) => entry.variable),
      ['TEST_MISSING_KEY'],
    );
    assert.ok(!JSON.stringify(report).includes('sk-from-env'));
  });

  it('treats an empty variable like an unset one', () => {
    const { config: runtime } = loadConfigBytes(config, { TEST_OPENAI_KEY: '', TEST_BASE_URL: 'http://x', TEST_TENANT: 't' });
    assert.equal(runtime.providers.get('openai')?.keys[0]?.usable, false);
  });

  it('freezes the runtime config', () => {
    const { config: runtime } = loadConfigBytes(config, {});
    assert.ok(Object.isFrozen(runtime));
    assert.ok(Object.isFrozen(runtime.providers.get('openai')?.keys[0]));
  });

  it('throws ConfigLoadError with every issue for an invalid file', () => {
    assert.throws(
      () => loadConfigBytes('{"providers": {"nope": {}}, "config_store": {"enabled": true}}', {}),
      (error: unknown) => error instanceof ConfigLoadError && error.issues.length === 2,
    );
  });

  it('refuses a base_url taken from the environment by the rules a written one meets, without quoting it', () => {
    const refused = (value: string) => {
      try {
        loadConfigBytes(config, { TEST_OPENAI_KEY: 'sk-from-env', TEST_BASE_URL: value, TEST_TENANT: 't' });
      } catch (error) {
        assert.ok(error instanceof ConfigLoadError);
        assert.equal(error.issues[0]?.path, 'providers.openai.network_config.base_url');
        assert.ok(!error.message.includes(value), 'the value is not in the message');
        return error.issues[0]?.message ?? '';
      }
      return 'loaded';
    };
    assert.match(refused('https://bob:s3cret-pw@proxy.internal/v1'), /env\.TEST_BASE_URL resolves to a value that must not carry credentials/);
    assert.match(refused('https://gemini.example/v1beta?key=AIza-secret'), /must not carry a query/);
    assert.match(refused('ftp://files.example'), /must be an http\(s\) URL/);
    assert.equal(refused('https://proxy.internal:8443/v1'), 'loaded');
  });
});
