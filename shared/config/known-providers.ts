/**
 * Provider names Bifrost knows. A provider entry under another name must declare
 * `custom_provider_config`; a known name the node cannot serve is warned about, not refused,
 * so a real Bifrost config.json still loads.
 */
export const KNOWN_PROVIDER_NAMES = [
  'openai',
  'azure',
  'anthropic',
  'bedrock',
  'cohere',
  'vertex',
  'mistral',
  'ollama',
  'groq',
  'sgl',
  'parasail',
  'perplexity',
  'cerebras',
  'deepseek',
  'gemini',
  'openrouter',
  'huggingface',
  'nebius',
  'xai',
  'vllm',
  'fireworks',
  'together',
  'elevenlabs',
  'replicate',
] as const;

/** A provider name Bifrost knows. */
export type KnownProviderName = (typeof KNOWN_PROVIDER_NAMES)[number];

/** Whether `name` is one of Bifrost's provider names. */
export function isKnownProviderName(name: string): name is KnownProviderName {
  return (KNOWN_PROVIDER_NAMES as readonly string[]).includes(name);
}
