import * as yup from 'yup';
import { hasUserInfo } from '../../url-credentials.js';
import { isKnownProviderName } from '../known-providers.js';
import { duration, stringMap } from './fields.js';

/** The `providers` section of Bifrost's config.json: keys, network settings, custom providers. */

/** Provider families whose wire protocol a custom provider may borrow. */
export const BASE_PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'cohere', 'bedrock', 'azure', 'vertex'] as const;

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

/** One entry of a provider's `keys`. */
export const keySchema = yup.object({
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
      .test('base-url', '${path} is not a usable base URL', function (value) {
        if (!isLiteralUrl(value)) return true;
        const problem = baseUrlProblem(value);
        return problem === undefined || this.createError({ message: `\${path} ${problem}` });
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

/** One entry of `providers`. */
export const providerSchema = yup.object({
  keys: yup.array(keySchema).default(() => []),
  network_config: networkConfigSchema,
  concurrency_and_buffer_size: concurrencySchema,
  proxy_config: yup.object().optional(),
  send_back_raw_response: yup.boolean().optional(),
  custom_provider_config: customProviderSchema.default(undefined).optional(),
});

/** The `providers` section: provider name -> entry; unknown names need a custom_provider_config. */
export const providersSchema = yup.lazy((value: unknown) => {
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

/**
 * What makes a `base_url` unusable, said as the end of a sentence about it; undefined when it is
 * usable. The loader asks it again of a value an `env.NAME` reference resolved to. Never quotes
 * the value: it may hold the credentials it is refused for.
 */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL such as https://api.openai.com';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL such as https://api.openai.com';
  // The node joins the API path onto base_url and sends no URL credentials (undici drops a
  // user:password@ part without a word): either would fail at the provider, not here.
  if (hasUserInfo(value)) {
    return 'must not carry credentials (user:password@ is not sent upstream): send them as a header in network_config.extra_headers';
  }
  if (/[?#]/.test(value)) return 'must not carry a query or fragment (?... or #...): the node appends the API path to it';
  return undefined;
}

/** A base_url written as a URL: not empty, and not an `env.NAME` reference (whose value is not known here). */
function isLiteralUrl(value: string | undefined): value is string {
  return value !== undefined && value !== '' && !value.startsWith('env.');
}
