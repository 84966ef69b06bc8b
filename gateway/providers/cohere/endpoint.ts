import type { UpstreamTarget } from '../types.js';

/** Cohere's public origin, used when `network_config.base_url` is unset. */
export const COHERE_DEFAULT_BASE_URL = 'https://api.cohere.com';

/** The v2 chat URL. */
export function chatUrl(target: UpstreamTarget): string {
  return `${target.baseUrl}/v2/chat`;
}

/** The v2 embed URL. */
export function embedUrl(target: UpstreamTarget): string {
  return `${target.baseUrl}/v2/embed`;
}

/** Bearer auth for one attempt. */
export function buildCohereHeaders(target: UpstreamTarget): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.key && target.key.value !== '') headers.authorization = `Bearer ${target.key.value}`;
  return headers;
}
