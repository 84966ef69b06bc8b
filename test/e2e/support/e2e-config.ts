/**
 * The config.json variants the end-to-end tier writes into the cluster's config directory.
 * Providers point at the test's upstream container; secrets come from the environment
 * (`env.NAME`, set by the test override), as a user's would.
 */
export interface E2eConfig {
  [key: string]: unknown;
}

const UPSTREAM = 'http://upstream:9000';

/** The compose file's postgres service, as the example config.json uses it. */
const LOGS_STORE = {
  enabled: true,
  type: 'postgres',
  config: { host: 'postgres', port: '5432', user: 'gateway', password: 'env.POSTGRES_PASSWORD', db_name: 'gateway_logs' },
};

/** One OpenAI provider on the upstream; requests logged to the postgres service. */
export function initialConfig(): E2eConfig {
  return {
    client: { drop_excess_requests: false, max_request_body_size_mb: 100 },
    config_store: { enabled: false },
    logs_store: LOGS_STORE,
    providers: {
      openai: {
        keys: [{ name: 'primary', value: 'env.E2E_OPENAI_KEY', models: ['*'], weight: 1 }],
        network_config: { base_url: UPSTREAM, default_request_timeout_in_seconds: 60 },
      },
    },
  };
}

/** `config` with the request log off (the benchmark's figures stay comparable with earlier runs). */
export function withoutRequestLog(config: E2eConfig): E2eConfig {
  return { ...config, logs_store: { enabled: false } };
}

/** The initial config plus a second provider (`groq`, OpenAI-compatible) with its own key. */
export function configWithSecondProvider(): E2eConfig {
  const config = initialConfig();
  (config.providers as Record<string, unknown>).groq = {
    keys: [{ name: 'second', value: 'env.E2E_GROQ_KEY', models: ['*'], weight: 1 }],
    network_config: { base_url: UPSTREAM, default_request_timeout_in_seconds: 60 },
  };
  return config;
}

/** A config that differs from `config` only by a harmless setting, to force a new fingerprint. */
export function withRevision(config: E2eConfig, revision: number): E2eConfig {
  const copy = structuredClone(config);
  (copy.client as Record<string, unknown>).initial_pool_size = 100 + revision;
  return copy;
}

/** The virtual key scenario 14 sends as its API key. */
export const E2E_VIRTUAL_KEY = 'sk-bf-e2e-governed-key-0001';

/**
 * `config` with governance: one virtual key under a request and token rate limit far above
 * what the test sends, so every request is admitted and counted in the shared PostgreSQL.
 * Requests without a virtual key stay allowed (keys are optional), so the other scenarios' load
 * is unaffected.
 */
export function withGovernance(config: E2eConfig): E2eConfig {
  return {
    ...structuredClone(config),
    governance: {
      virtual_keys: [{ id: 'vk-e2e', name: 'e2e', value: E2E_VIRTUAL_KEY, rate_limit_id: 'rl-e2e', allow_all_providers: true }],
      rate_limits: [{ id: 'rl-e2e', request_max_limit: 1_000_000, request_reset_duration: '1Y', token_max_limit: 1_000_000_000, token_reset_duration: '1Y' }],
    },
  };
}

/** `config` with every provider's upstream timeout set to `seconds` (a long call must not time out at the node). */
export function withUpstreamTimeout(config: E2eConfig, seconds: number): E2eConfig {
  const copy = structuredClone(config);
  for (const provider of Object.values(copy.providers as Record<string, { network_config: Record<string, unknown> }>)) {
    provider.network_config.default_request_timeout_in_seconds = seconds;
  }
  return copy;
}
