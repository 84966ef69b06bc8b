import { createGeminiProtocolAdapter, type GeminiProtocolAdapter } from '../gemini/protocol-adapter.js';
import { embedWithVertex } from './embeddings.js';
import { vertexDefaultBaseUrl, vertexHeaders, vertexUrl } from './endpoint.js';

/**
 * Gemini models on Vertex AI: Gemini's request and response shapes (the translators are
 * shared), a project/region URL and an OAuth2 bearer token from a service account.
 * Embeddings use Vertex's own `:predict` instead of Gemini's batchEmbedContents.
 */
const base = createGeminiProtocolAdapter({
  protocol: 'vertex',
  defaultBaseUrl: (_provider, key) => vertexDefaultBaseUrl(key),
  url: vertexUrl,
  headers: vertexHeaders,
  embeddings: false,
});

export const vertexAdapter: GeminiProtocolAdapter = {
  ...base,
  capabilities: { ...base.capabilities, embeddings: { embed: embedWithVertex } },
};
