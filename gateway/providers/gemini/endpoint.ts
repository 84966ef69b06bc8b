import type { UpstreamTarget } from '../types.js';

/** Where the Gemini API lives unless `network_config.base_url` says otherwise. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** The Gemini methods the node calls. */
export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents' | 'embedContent';

/** `{base}/v1beta/models/{model}:{method}`; streaming asks for SSE framing (`alt=sse`). */
export function geminiUrl(target: UpstreamTarget, method: GeminiMethod): string {
  const model = encodeURIComponent(stripModelsPrefix(target.model));
  const url = `${target.baseUrl}/v1beta/models/${model}:${method}`;
  return method === 'streamGenerateContent' ? `${url}?alt=sse` : url;
}

/** Gemini's API key header; a key-less custom provider sends none. */
export function geminiHeaders(target: UpstreamTarget): Record<string, string> {
  return target.key && target.key.value !== '' ? { 'x-goog-api-key': target.key.value } : {};
}

/** Accepts both `gemini-2.0-flash` and the resource form `models/gemini-2.0-flash`. */
export function stripModelsPrefix(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}
