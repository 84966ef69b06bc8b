import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { AdminCredentials } from '../../../shared/config/index.js';
import { GatewayError } from '../../core/errors.js';

/**
 * HTTP Basic with Bifrost's `governance.auth_config` admin credentials, for the node's own
 * APIs (/api/...). Without credentials configured it lets everything through (Bifrost's
 * behaviour; the node warns at startup). Compared in constant time, via digests so that the
 * lengths do not leak either.
 */
export function createAdminAuth(credentials: AdminCredentials | undefined) {
  const expected = credentials ? digest(`${credentials.username}:${credentials.password}`) : undefined;
  return async function requireAdmin(ctx: Context, next: Next): Promise<void> {
    if (!expected) return next();
    const header = ctx.get('authorization');
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match ? digest(Buffer.from(match[1] as string, 'base64').toString('utf8')) : undefined;
    if (given && timingSafeEqual(given, expected)) return next();
    ctx.set('www-authenticate', 'Basic realm="gateway admin", charset="UTF-8"');
    throw new GatewayError('invalid_request', 'admin credentials required (HTTP Basic, governance.auth_config)', { status: 401, type: 'authentication_error' });
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
