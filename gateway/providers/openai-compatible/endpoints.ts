import type { ProviderKey, ProviderSettings } from '../../config/index.js';

/** Where an OpenAI-compatible provider lives and which of OpenAI's paths it serves. */
export interface OpenAICompatibleEndpoint {
  /** The provider's origin (plus any fixed prefix), without the OpenAI path. */
  baseUrl: string;
  /** The prefix before `/chat/completions`, `/completions`, `/embeddings`: usually `/v1`. */
  apiPrefix: string;
  /** Whether the provider serves `/completions` and `/embeddings` (chat is always served). */
  textCompletions: boolean;
  embeddings: boolean;
}

const standard = (baseUrl: string): OpenAICompatibleEndpoint => ({ baseUrl, apiPrefix: '/v1', textCompletions: true, embeddings: true });

/**
 * The OpenAI-compatible providers: each one's real default origin and API prefix, from the
 * providers' own documentation. They all authenticate with `Authorization: Bearer <key>`.
 * `network_config.base_url` replaces the origin (not the prefix).
 */
export const OPENAI_COMPATIBLE_ENDPOINTS: Readonly<Record<string, OpenAICompatibleEndpoint>> = {
  openai: standard('https://api.openai.com'),
  groq: standard('https://api.groq.com/openai'),
  mistral: standard('https://api.mistral.ai'),
  deepseek: standard('https://api.deepseek.com'),
  xai: standard('https://api.x.ai'),
  openrouter: standard('https://openrouter.ai/api'),
  fireworks: standard('https://api.fireworks.ai/inference'),
  // Perplexity serves chat only, at /chat/completions with no /v1.
  perplexity: { baseUrl: 'https://api.perplexity.ai', apiPrefix: '', textCompletions: false, embeddings: false },
  cerebras: standard('https://api.cerebras.ai'),
  together: standard('https://api.together.xyz'),
  ollama: standard('http://localhost:11434'),
  vllm: standard('http://localhost:8000'),
  sgl: standard('http://localhost:30000'),
  parasail: standard('https://api.parasail.io'),
  nebius: standard('https://api.studio.nebius.com'),
  huggingface: standard('https://router.huggingface.co'),
};

/** Whether `protocol` names an OpenAI-compatible provider served by the shared adapter. */
export function isOpenAICompatible(protocol: string): boolean {
  return protocol === 'openai' || Object.hasOwn(OPENAI_COMPATIBLE_ENDPOINTS, protocol);
}

/** The endpoint description for a configured provider (custom providers use OpenAI's paths). */
export function endpointFor(provider: ProviderSettings): OpenAICompatibleEndpoint {
  if (provider.custom) return CUSTOM_ENDPOINT;
  return OPENAI_COMPATIBLE_ENDPOINTS[provider.name] ?? CUSTOM_ENDPOINT;
}

const CUSTOM_ENDPOINT: OpenAICompatibleEndpoint = { baseUrl: '', apiPrefix: '/v1', textCompletions: true, embeddings: true };

/**
 * The origin to call when `network_config.base_url` is unset: a key's own server URL
 * (ollama_key_config / vllm_key_config), else the provider's default. A custom provider
 * has no default.
 */
export function defaultBaseUrlFor(provider: ProviderSettings, key: ProviderKey | undefined): string | undefined {
  if (key?.server?.url) return key.server.url.replace(/\/+$/, '');
  if (provider.custom) return undefined;
  return OPENAI_COMPATIBLE_ENDPOINTS[provider.name]?.baseUrl;
}

/** The auth headers of one attempt: Bearer with the key, none for a key-less call. */
export function authHeadersFor(key: ProviderKey | undefined): Record<string, string> {
  return key && key.value !== '' ? { authorization: `Bearer ${key.value}` } : {};
}
