import { GEMINI_DEFAULT_BASE_URL, geminiHeaders, geminiUrl } from './endpoint.js';
import { createGeminiProtocolAdapter, type GeminiProtocolAdapter } from './protocol-adapter.js';

/** Google's Gemini API (generativelanguage.googleapis.com), authenticated by `x-goog-api-key`. */
export const geminiAdapter: GeminiProtocolAdapter = createGeminiProtocolAdapter({
  protocol: 'gemini',
  defaultBaseUrl: () => GEMINI_DEFAULT_BASE_URL,
  url: geminiUrl,
  headers: async (target) => geminiHeaders(target),
  embeddings: true,
});

export type { GeminiProtocolAdapter } from './protocol-adapter.js';
