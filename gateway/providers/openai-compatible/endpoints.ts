import type { ProviderKey, ProviderSettings } from '../../../shared/config/index.js';

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

const endpoint = (baseUrl: string, serves: { text: boolean; embeddings: boolean }): OpenAICompatibleEndpoint => ({
  baseUrl,
  apiPrefix: '/v1',
  textCompletions: serves.text,
  embeddings: serves.embeddings,
});
const ALL = { text: true, embeddings: true };
const CHAT_ONLY = { text: false, embeddings: false };

/**
 * The OpenAI-compatible providers: each one's real default origin and API prefix, from the
 * providers' own documentation, and which operations besides chat each upstream API has
 * (as Bifrost's provider matrix lists them; others are refused with 400 before any call).
 * They all authenticate with `Authorization: Bearer <key>`. `network_config.base_url`
 * replaces the origin (not the prefix).
 */
export const OPENAI_COMPATIBLE_ENDPOINTS: Readonly<Record<string, OpenAICompatibleEndpoint>> = {
  openai: endpoint('https://api.openai.com', ALL),
  groq: endpoint('https://api.groq.com/openai', CHAT_ONLY),
  mistral: endpoint('https://api.mistral.ai', { text: false, embeddings: true }),
  deepseek: endpoint('https://api.deepseek.com', CHAT_ONLY),
  xai: endpoint('https://api.x.ai', { text: true, embeddings: false }),
  openrouter: endpoint('https://openrouter.ai/api', ALL),
  fireworks: endpoint('https://api.fireworks.ai/inference', ALL),
  // Perplexity serves chat only, at /chat/completions with no /v1.
  perplexity: { baseUrl: 'https://api.perplexity.ai', apiPrefix: '', textCompletions: false, embeddings: false },
  cerebras: endpoint('https://api.cerebras.ai', { text: true, embeddings: false }),
  together: endpoint('https://api.together.xyz', ALL),
  ollama: endpoint('http://localhost:11434', ALL),
  vllm: endpoint('http://localhost:8000', ALL),
  // SGLang's server listens on port 30000 by default.
  sgl: endpoint('http://localhost:30000', ALL),
  parasail: endpoint('https://api.parasail.io', CHAT_ONLY),
  nebius: endpoint('https://api.tokenfactory.nebius.com', ALL),
  huggingface: endpoint('https://router.huggingface.co', CHAT_ONLY),
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
