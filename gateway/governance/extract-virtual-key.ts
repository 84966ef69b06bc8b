import type { IncomingHttpHeaders } from 'node:http';

/**
 * Finds the virtual key of a request, so that every official client works with the VK as
 * its API key: `x-bf-vk` (Bifrost's own header), `Authorization: Bearer sk-bf-...` (OpenAI
 * SDK), `x-api-key` (Anthropic SDK), `x-goog-api-key` (Gemini SDK) and `api-key` (Azure).
 * Outside `x-bf-vk` a value counts only with the `sk-bf-` prefix: a client sending some
 * other API key to an ungoverned node is not refused as an unknown virtual key.
 */

/** Every header that may carry a virtual key: none of them is ever sent upstream. */
export const VIRTUAL_KEY_HEADERS = ['x-bf-vk', 'authorization', 'x-api-key', 'x-goog-api-key', 'api-key'] as const;

const PREFIX = 'sk-bf-';

/** The request's virtual key, or undefined when it names none. */
export function extractVirtualKey(headers: IncomingHttpHeaders): string | undefined {
  const explicit = first(headers['x-bf-vk']);
  if (explicit) return explicit.trim();
  const authorization = first(headers.authorization);
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match && (match[1] as string).startsWith(PREFIX)) return match[1];
  }
  for (const name of ['x-api-key', 'x-goog-api-key', 'api-key'] as const) {
    const value = first(headers[name])?.trim();
    if (value?.startsWith(PREFIX)) return value;
  }
  return undefined;
}

/** A VK for log lines: its first 4 and last 4 characters (Bifrost's redaction). */
export function redactVirtualKey(value: string): string {
  return value.length <= 12 ? '****' : `${value.slice(0, 4)}****${value.slice(-4)}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
