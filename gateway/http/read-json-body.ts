import type { Context } from 'koa';
import { BodyReadError, readBodyText } from '../../shared/http/read-body-text.js';
import { GatewayError } from '../core/errors.js';

/** Bytes in one MB as Bifrost counts `max_request_body_size_mb`. */
const MB = 1024 * 1024;

/** The body limit in bytes for `client.max_request_body_size_mb`. */
export function bodyLimitBytes(maxRequestBodySizeMb: number): number {
  return Math.floor(maxRequestBodySizeMb * MB);
}

/**
 * Reads a request body as a JSON object: 413 beyond `limitBytes` (checked against
 * Content-Length before reading, and while reading), 400 when it is not JSON or not an object.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBodyText(ctx.req, limitBytes);
  } catch (cause) {
    const kind = cause instanceof BodyReadError ? cause.kind : 'unreadable';
    if (kind === 'too_large') {
      // The rest of the body is not read: close the connection rather than drain it.
      ctx.res.setHeader('connection', 'close');
      throw new GatewayError('body_too_large', `request body exceeds client.max_request_body_size_mb (${limitBytes} bytes)`, { cause });
    }
    if (kind === 'aborted') throw new GatewayError('client_closed', 'the client closed the request', { cause });
    throw new GatewayError('invalid_request', 'could not read the request body', { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError('invalid_json', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('invalid_request', 'request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
