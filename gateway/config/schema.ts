import * as yup from 'yup';
import { parseDurationMs } from './duration.js';
import { isKnownProviderName } from './known-providers.js';

/**
 * The yup schema of Bifrost's config.json, as far as a gateway node reads it. Fields the
 * node does not implement are left through untouched (they are reported by
 * `findUnsupportedSettings`), so that a real Bifrost file validates.
 */

/** Provider families whose wire protocol a custom provider may borrow. */
export const BASE_PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'cohere', 'bedrock', 'azure', 'vertex'] as const;

const duration = (defaultMs: number) =>
  yup
    .mixed<number | string>()
    .test('duration', '${path} must be milliseconds or a duration string like "500ms" or "5s"', (value) => {
      return value === undefined || value === null || parseDurationMs(value) !== undefined;
    })
    .transform((value: unknown) => (value === undefined || value === null ? value : (parseDurationMs(value) ?? value)))
    .default(defaultMs);

const stringMap = () =>
  yup
    .mixed<Record<string, string>>()
    .test('string-map', '${path} must be an object whose values are strings', (value) => {
      if (value === undefined || value === null) return true;
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      return Object.values(value).every((v) => typeof v === 'string');
    })
    .default(() => ({}));

const azureKeyConfig = yup.object({
  endpoint: yup.string().required(),
  api_version: yup.string().optional(),
  deployments: stringMap().optional(),
  aliases: stringMap().optional(),
});

const bedrockKeyConfig = yup.object({
  region: yup.string().optional(),
  access_key: yup.string().optional(),
  secret_key: yup.string().optional(),
  session_token: yup.string().optional(),
  deployments: stringMap().optional(),
});

const vertexKeyConfig = yup.object({
  project_id: yup.string().required(),
  region: yup.string().required(),
  auth_credentials: yup.string().optional(),
});

const urlKeyConfig = yup.object({
  url: yup.string().required(),
  model_name: yup.string().optional(),
});

const keySchema = yup.object({
  id: yup.string().optional(),
  name: yup.string().default(''),
  value: yup.string().default(''),
  models: yup.array(yup.string().required()).default(() => ['*']),
  weight: yup.number().min(0).default(1),
  azure_key_config: azureKeyConfig.default(undefined).optional(),
  bedrock_key_config: bedrockKeyConfig.default(undefined).optional(),
  vertex_key_config: vertexKeyConfig.default(undefined).optional(),
  ollama_key_config: urlKeyConfig.default(undefined).optional(),
  vllm_key_config: urlKeyConfig.default(undefined).optional(),
});

const networkConfigSchema = yup
  .object({
    base_url: yup
      .string()
      .optional()
      .test('http-url', '${path} must be an http(s) URL such as https://api.openai.com', (value) => {
        if (value === undefined || value === '') return true;
        if (value.startsWith('env.')) return true;
        try {
          const url = new URL(value);
          return url.protocol === 'http:' || url.protocol === 'https:';
        } catch {
          return false;
        }
      }),
    extra_headers: stringMap(),
    default_request_timeout_in_seconds: yup.number().positive().default(30),
    max_retries: yup.number().integer().min(0).default(0),
    retry_backoff_initial: duration(500),
    retry_backoff_max: duration(5000),
  })
  .default(() => ({}));

const concurrencySchema = yup
  .object({
    concurrency: yup.number().integer().min(1).default(1000),
    buffer_size: yup.number().integer().min(0).default(5000),
  })
  .default(() => ({}));

const customProviderSchema = yup.object({
  base_provider_type: yup.string().oneOf(BASE_PROVIDER_TYPES).required(),
  is_key_less: yup.boolean().default(false),
  allowed_requests: yup.object().optional(),
});

const providerSchema = yup.object({
  keys: yup.array(keySchema).default(() => []),
  network_config: networkConfigSchema,
  concurrency_and_buffer_size: concurrencySchema,
  proxy_config: yup.object().optional(),
  send_back_raw_response: yup.boolean().optional(),
  custom_provider_config: customProviderSchema.default(undefined).optional(),
});

const providersSchema = yup.lazy((value: unknown) => {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return yup.object().required('providers must be an object mapping provider names to provider entries');
  }
  const shape: Record<string, typeof providerSchema> = {};
  for (const name of Object.keys(value)) {
    shape[name] = providerSchema.test(
      'provider-name',
      `unknown provider "${name}"; a custom provider needs custom_provider_config.base_provider_type`,
      (entry) => isKnownProviderName(name) || entry?.custom_provider_config !== undefined,
    );
  }
  return yup.object(shape).required();
});

const clientSchema = yup
  .object({
    drop_excess_requests: yup.boolean().default(false),
    max_request_body_size_mb: yup.number().positive().default(100),
    allowed_origins: yup.array(yup.string().required()).default(() => ['*']),
    initial_pool_size: yup.number().integer().min(0).optional(),
    enable_logging: yup.boolean().optional(),
    disable_content_logging: yup.boolean().optional(),
    prometheus_labels: yup.array(yup.string().required()).optional(),
    enforce_auth_on_inference: yup.boolean().optional(),
    allow_direct_keys: yup.boolean().optional(),
  })
  .default(() => ({}));

const storeSchema = yup
  .object({
    enabled: yup.boolean().default(false),
    type: yup.string().optional(),
    config: yup.object().optional(),
  })
  .default(undefined)
  .optional();

/** The schema of a whole config.json. */
export const configSchema = yup.object({
  $schema: yup.string().optional(),
  version: yup.mixed().optional(),
  providers: providersSchema,
  client: clientSchema,
  config_store: storeSchema.test(
    'file-only',
    'config_store.enabled must be false: every node of a multinode cluster loads the same config.json into memory, ' +
      'and a config store would give each node its own copy that drifts from the others and from the file',
    (store) => store === undefined || store.enabled !== true,
  ),
  logs_store: storeSchema,
  vector_store: storeSchema,
  encryption_key: yup.string().optional(),
});

/** A config.json after validation and defaults, before `env.` secrets are resolved. */
export type ValidatedConfig = yup.InferType<typeof configSchema> & { providers: Record<string, ProviderEntry> };
/** One entry of `providers`. */
export type ProviderEntry = yup.InferType<typeof providerSchema>;
/** One entry of a provider's `keys`. */
export type KeyEntry = yup.InferType<typeof keySchema>;
/** The `client` section. */
export type ClientSettings = yup.InferType<typeof clientSchema>;
