import type { ProviderSettings } from '../../shared/config/index.js';
import { anthropicAdapter } from './anthropic/index.js';
import { azureAdapter } from './azure/index.js';
import { bedrockAdapter } from './bedrock/index.js';
import { cohereAdapter } from './cohere/index.js';
import { geminiAdapter } from './gemini/index.js';
import { vertexAdapter } from './vertex/index.js';
import { isOpenAICompatible, openaiCompatibleAdapter } from './openai-compatible/index.js';
import type { ProviderAdapter } from './types.js';

/**
 * Every provider family the node speaks, keyed by protocol. Provider teams add ONE import
 * line above and ONE entry here; the OpenAI-compatible providers (groq, mistral, ...) all
 * resolve to the `openai` entry.
 */
export const ADAPTERS: Record<string, ProviderAdapter> = {
  openai: openaiCompatibleAdapter,
  anthropic: anthropicAdapter,
  cohere: cohereAdapter,
  azure: azureAdapter,
  bedrock: bedrockAdapter,
  gemini: geminiAdapter,
  vertex: vertexAdapter,
};

/** The adapter serving a configured provider, or undefined when this node cannot serve it. */
export function adapterFor(settings: ProviderSettings): ProviderAdapter | undefined {
  const direct = ADAPTERS[settings.protocol];
  if (direct) return direct;
  return isOpenAICompatible(settings.protocol) ? ADAPTERS.openai : undefined;
}
