import type { UpstreamTarget } from '../types.js';

/** Anthropic's public origin, used when `network_config.base_url` is unset. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** The API version the node speaks unless the client asks for another. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The Messages API URL for a target. */
export function messagesUrl(target: UpstreamTarget): string {
  return `${target.baseUrl}/v1/messages`;
}

/**
 * Auth and version headers for one attempt. `clientHeaders` lets the drop-in route pass the
 * client's own `anthropic-version` and `anthropic-beta` through untouched.
 */
export function buildAnthropicHeaders(
  target: UpstreamTarget,
  clientHeaders: { version?: string | undefined; beta?: string | undefined } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    'anthropic-version': clientHeaders.version ?? ANTHROPIC_VERSION,
    accept: 'application/json',
  };
  if (target.key && target.key.value !== '') headers['x-api-key'] = target.key.value;
  if (clientHeaders.beta) headers['anthropic-beta'] = clientHeaders.beta;
  return headers;
}
