import assert from 'node:assert/strict';
import { validateConfigText, type ConfigIssue } from '../../../shared/config/index.js';
import { configSchema } from '../../../shared/config/schema/index.js';

/** A config as a real Bifrost deployment might have it, with sections this node does not implement. */
const REAL_WORLD_BIFROST = {
  $schema: 'https://www.getbifrost.ai/schema',
  version: 1,
  encryption_key: 'env.BIFROST_ENCRYPTION_KEY',
  client: {
    drop_excess_requests: false,
    initial_pool_size: 300,
    allowed_origins: ['https://app.example.com'],
    enable_logging: true,
    disable_content_logging: true,
    enforce_auth_on_inference: false,
    allow_direct_keys: false,
    max_request_body_size_mb: 100,
    prometheus_labels: ['team', 'env'],
  },
  config_store: { enabled: false },
  logs_store: { enabled: true, type: 'sqlite', config: { path: './logs.db' } },
  vector_store: { enabled: false },
  providers: {
    openai: {
      keys: [
        { name: 'openai-1', value: 'env.OPENAI_API_KEY', models: ['gpt-4o', 'gpt-4o-mini'], weight: 0.6 },
        { name: 'openai-2', value: 'env.OPENAI_API_KEY_2', models: ['*'], weight: 0.4 },
      ],
      network_config: {
        base_url: 'https://api.openai.com',
        extra_headers: { 'x-team': 'search' },
        default_request_timeout_in_seconds: 60,
        max_retries: 3,
        retry_backoff_initial: '250ms',
        retry_backoff_max: '10s',
      },
      concurrency_and_buffer_size: { concurrency: 100, buffer_size: 500 },
      proxy_config: { type: 'none' },
      send_back_raw_response: false,
    },
    anthropic: { keys: [{ name: 'claude', value: 'env.ANTHROPIC_API_KEY', models: ['claude-sonnet-4-5'], weight: 1 }] },
    azure: {
      keys: [
        {
          name: 'azure-east',
          value: 'env.AZURE_API_KEY',
          models: ['gpt-4o'],
          weight: 1,
          azure_key_config: { endpoint: 'https://example.openai.azure.com', api_version: '2024-10-21', deployments: { 'gpt-4o': 'gpt4o-prod' } },
        },
      ],
    },
    bedrock: {
      keys: [
        {
          name: 'aws',
          value: '',
          models: ['*'],
          weight: 1,
          bedrock_key_config: { region: 'us-east-1', access_key: 'env.AWS_ACCESS_KEY_ID', secret_key: 'env.AWS_SECRET_ACCESS_KEY' },
        },
      ],
    },
    ollama: { keys: [{ name: 'local', value: '', models: ['*'], weight: 1, ollama_key_config: { url: 'http://ollama:11434' } }] },
    'my-openai-proxy': {
      keys: [{ name: 'proxy', value: 'env.PROXY_KEY', models: ['*'], weight: 1 }],
      network_config: { base_url: 'http://proxy.internal:8000' },
      custom_provider_config: { base_provider_type: 'openai', is_key_less: false, allowed_requests: { chat_completion: true } },
    },
  },
  governance: {
    virtual_keys: [{ id: 'vk-1', name: 'team-a', value: 'env.VK_TEAM_A', provider_configs: [{ provider: 'openai', weight: 1 }] }],
    budgets: [{ id: 'b-1', max_limit: 100, reset_duration: '1M' }],
    rate_limits: [{ id: 'rl-1', token_max_limit: 100000, token_reset_duration: '1h' }],
  },
  mcp: {
    client_configs: [
      { name: 'filesystem', connection_type: 'stdio', stdio_config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem'] } },
    ],
  },
  plugins: [
    { name: 'telemetry', enabled: true, config: {} },
    { name: 'semantic_cache', enabled: false, config: { ttl: '5m' } },
  ],
  cluster_config: { enabled: false },
};

function issuesOf(text: string | object): ConfigIssue[] {
  const result = validateConfigText(typeof text === 'string' ? text : JSON.stringify(text));
  assert.equal(result.ok, false, 'expected the config to be rejected');
  return result.ok ? [] : result.issues;
}

describe('validateConfigText', () => {
  it('accepts a minimal Bifrost config and applies Bifrost defaults', () => {
    const result = validateConfigText(JSON.stringify({ providers: { openai: { keys: [{ value: 'env.OPENAI_API_KEY', models: ['*'], weight: 1 }] } } }));
    assert.ok(result.ok);
    const openai = result.config.providers.openai;
    assert.equal(openai?.network_config.max_retries, 0);
    assert.equal(openai?.network_config.default_request_timeout_in_seconds, 30);
    assert.equal(openai?.network_config.retry_backoff_initial, 500);
    assert.equal(openai?.network_config.retry_backoff_max, 5000);
    assert.equal(openai?.concurrency_and_buffer_size.concurrency, 1000);
    assert.equal(openai?.concurrency_and_buffer_size.buffer_size, 5000);
    assert.equal(result.config.client.max_request_body_size_mb, 100);
    assert.equal(result.config.client.drop_excess_requests, false);
  });

  it('loads a full real-world Bifrost config and names each unimplemented setting', () => {
    const result = validateConfigText(JSON.stringify(REAL_WORLD_BIFROST));
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues));
    for (const setting of [
      'mcp',
      'plugins[0] (telemetry)',
      'plugins[1] (semantic_cache)',
      'cluster_config',
      'encryption_key',
      'logs_store',
      'client.initial_pool_size',
      'client.prometheus_labels',
      'providers.openai.proxy_config',
    ]) {
      assert.ok(result.unsupported.includes(setting), `${setting} is named in ${result.unsupported.join(', ')}`);
    }
    assert.ok(!result.unsupported.includes('vector_store'), 'a disabled store is what file-only mode asks for');
    assert.ok(!result.unsupported.includes('governance'), 'governance is implemented');
    assert.ok(!result.unsupported.includes('providers.openai.network_config.max_retries'));
  });

  it('accepts backoffs as integer milliseconds or Go duration strings', () => {
    const result = validateConfigText(
      JSON.stringify({ providers: { groq: { keys: [], network_config: { retry_backoff_initial: 100, retry_backoff_max: '1m30s' } } } }),
    );
    assert.ok(result.ok);
    assert.equal(result.config.providers.groq?.network_config.retry_backoff_initial, 100);
    assert.equal(result.config.providers.groq?.network_config.retry_backoff_max, 90_000);
  });

  it('fingerprints the exact bytes: the same text gives the same fingerprint, any edit another', () => {
    const text = JSON.stringify({ providers: {} });
    assert.equal(validateConfigText(text).fingerprint, validateConfigText(text).fingerprint);
    assert.notEqual(validateConfigText(text).fingerprint, validateConfigText(`${text}\n`).fingerprint);
    assert.match(validateConfigText(text).fingerprint, /^sha256:[0-9a-f]{64}$/);
  });

  it('reports malformed JSON with its line and column', () => {
    const [issue] = issuesOf('{\n  "providers": {\n    "openai": { "keys": [1,] }\n  }\n}');
    assert.equal(issue?.line, 3);
    assert.equal(typeof issue?.column, 'number');
    assert.match(issue?.message ?? '', /line 3, column \d+/);
  });

  it('refuses a root that is not an object', () => {
    assert.equal(issuesOf('[]')[0]?.path, '(root)');
  });

  it('refuses config_store.enabled: true, explaining why multinode needs file-only config', () => {
    const issues = issuesOf({ providers: {}, config_store: { enabled: true, type: 'sqlite' } });
    assert.equal(issues[0]?.path, 'config_store');
    assert.match(issues[0]?.message ?? '', /multinode|drift/);
  });

  it('refuses an unknown provider without custom_provider_config', () => {
    const issues = issuesOf({ providers: { 'my-llm': { keys: [] } } });
    assert.match(issues[0]?.message ?? '', /unknown provider "my-llm"/);
  });

  it('refuses bad durations, naming the path', () => {
    const issues = issuesOf({ providers: { openai: { network_config: { retry_backoff_initial: 'soon', retry_backoff_max: '5 seconds' } } } });
    const paths = issues.map((issue) => issue.path).sort();
    assert.deepEqual(paths, ['providers.openai.network_config.retry_backoff_initial', 'providers.openai.network_config.retry_backoff_max']);
  });

  it('refuses a base_url the node could not use as written: credentials in it, or a query', () => {
    const messageFor = (base_url: string) => issuesOf({ providers: { openai: { network_config: { base_url } } } }).map((issue) => issue.message);
    assert.match(messageFor('https://bob:s3cret@proxy.internal/v1').join(), /must not carry credentials.*extra_headers/);
    assert.match(messageFor('https://gemini.example/v1beta?key=abc').join(), /must not carry a query/);
    for (const fine of ['https://proxy.internal:8443/v1', 'http://127.0.0.1:11434', 'env.OPENAI_BASE_URL']) {
      const config = { providers: { openai: { keys: [{ value: 'sk-x', models: ['*'] }], network_config: { base_url: fine } } } };
      assert.equal(validateConfigText(JSON.stringify(config)).ok, true, fine);
    }
  });

  it('reports every problem at once, each with its JSON path', () => {
    const issues = issuesOf({
      providers: {
        openai: {
          keys: [{ value: 'x', weight: -1, models: 'gpt-4o' }],
          network_config: { base_url: 'ftp://example.com', max_retries: 1.5, extra_headers: { a: 1 } },
          concurrency_and_buffer_size: { concurrency: 0 },
        },
        custom: { custom_provider_config: { base_provider_type: 'made-up' } },
      },
      client: { max_request_body_size_mb: -3 },
    });
    const paths = new Set(issues.map((issue) => issue.path));
    for (const path of [
      'providers.openai.keys[0].weight',
      'providers.openai.keys[0].models',
      'providers.openai.network_config.base_url',
      'providers.openai.network_config.max_retries',
      'providers.openai.network_config.extra_headers',
      'providers.openai.concurrency_and_buffer_size.concurrency',
      'providers.custom.custom_provider_config.base_provider_type',
      'client.max_request_body_size_mb',
    ]) {
      assert.ok(paths.has(path), `${path} in ${[...paths].join(', ')}`);
    }
  });

  it('refuses a value of the wrong JSON type instead of coercing it, naming the path and the expected type', () => {
    const issues = issuesOf({
      providers: { openai: { keys: [{ name: 'k', value: 12345, weight: '2', models: ['*'] }], network_config: { max_retries: '3' } } },
      client: { drop_excess_requests: 'true', allowed_origins: '*' },
    });
    const byPath = new Map(issues.map((issue) => [issue.path, issue.message]));
    assert.match(byPath.get('providers.openai.keys[0].value') ?? '', /must be a string, not a number$/);
    assert.match(byPath.get('providers.openai.keys[0].weight') ?? '', /must be a number, not a string$/);
    assert.match(byPath.get('providers.openai.network_config.max_retries') ?? '', /must be a number/);
    assert.match(byPath.get('client.drop_excess_requests') ?? '', /must be a boolean/);
    assert.match(byPath.get('client.allowed_origins') ?? '', /must be an array, not a string$/);
  });

  it('reports a "__proto__" key as an issue with its path instead of failing', () => {
    for (const text of ['{"providers":{"__proto__":{"keys":[]}}}', '{"providers":{"openai":{"keys":[]}},"client":{"__proto__":{"x":1}}}']) {
      const result = validateConfigText(text);
      assert.equal(result.ok, false);
      if (result.ok) continue;
      assert.match(result.issues[0]?.path ?? '', /__proto__$/);
    }
  });

  it('refuses a key named like a property every object has (constructor, toString, valueOf, hasOwnProperty) with its path, wherever it is', () => {
    const cases: Array<[string, string]> = [
      ['{"providers":{},"constructor":1}', 'constructor'],
      ['{"providers":{"openai":{"keys":[],"constructor":{}}}}', 'providers.openai.constructor'],
      ['{"providers":{"openai":{"keys":[{"name":"a","value":"env.X","toString":"x"}]}}}', 'providers.openai.keys[0].toString'],
      ['{"providers":{},"client":{"hasOwnProperty":1}}', 'client.hasOwnProperty'],
      ['{"providers":{},"client":{"valueOf":1}}', 'client.valueOf'],
    ];
    for (const [text, path] of cases) {
      const result = validateConfigText(text);
      assert.equal(result.ok, false, text);
      if (result.ok) continue;
      assert.deepEqual(
        result.issues.map((issue) => issue.path),
        [path],
      );
      assert.match(result.issues[0]?.message ?? '', /cannot be a name in config\.json/);
    }
  });

  it('reports a reference to a provider named like an object property as not configured', () => {
    const text = JSON.stringify({
      providers: { openai: { keys: [{ name: 'k', value: 'env.OPENAI_API_KEY' }] } },
      governance: { virtual_keys: [{ id: 'vk', value: 'sk-bf-one', provider_configs: [{ provider: 'toString', key_ids: ['k'] }] }] },
    });
    const result = validateConfigText(text);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.issues.map((issue) => [issue.path, issue.message]),
      [['governance.virtual_keys[0].provider_configs[0].provider', 'provider "toString" is not configured under providers']],
    );
  });

  it('refuses objects and arrays nested thousands of levels deep with a clear issue, closed or not', () => {
    for (const text of [
      `{"providers":{},"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      `{"providers":{},"x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      `{"providers":{},"x":${'['.repeat(100_000)}`,
    ]) {
      const result = validateConfigText(text);
      assert.equal(result.ok, false);
      if (result.ok) continue;
      assert.deepEqual(result.issues, [{ path: '(file)', message: 'objects and arrays nest more than 64 levels deep: not a config.json' }]);
    }
    const shallow = `{"providers":{},"plugins":[{"name":"p","config":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}]}`;
    assert.equal(validateConfigText(shallow).ok, true, 'a deep but reasonable plugin config is fine');
  });

  it('turns a failure inside the schema library into an issue instead of throwing', () => {
    const original = configSchema.validateSync;
    configSchema.validateSync = () => {
      throw new TypeError('field.resolve is not a function');
    };
    try {
      const result = validateConfigText('{"providers":{}}');
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(result.issues, [
        { path: '(file)', message: 'the config could not be validated (TypeError: field.resolve is not a function); it is refused' },
      ]);
    } finally {
      configSchema.validateSync = original;
    }
  });

  it('accepts a file saved with a UTF-8 byte-order mark, fingerprinting the exact bytes', () => {
    const text = JSON.stringify({ providers: { openai: { keys: [{ name: 'k', value: 'env.OPENAI_API_KEY' }] } } });
    const plain = validateConfigText(text);
    const withBom = validateConfigText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    assert.equal(withBom.ok, true, JSON.stringify(withBom));
    assert.notEqual(withBom.fingerprint, plain.fingerprint);
  });
});
