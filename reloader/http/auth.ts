import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context } from 'koa';
import { resolveEnvReference } from '../../shared/config/env-secrets.js';
import { parseJsonStrict } from '../../shared/config/parse-json.js';

/** The admin credentials the reloader accepts; both absent = the API is read-only. */
export interface AdminCredentials {
  /** From config.json's governance.auth_config (env.NAME resolved from the reloader's environment). */
  basic?: { username: string; password: string };
  /** RELOADER_ADMIN_TOKEN. */
  token?: string;
}

/** Who a request was made by, or why it was not accepted. */
export type AuthVerdict = { kind: 'ok'; who: string } | { kind: 'none-configured' } | { kind: 'missing' } | { kind: 'wrong' };

/**
 * Reads governance.auth_config from the config file on each call (an edit that changes the
 * password applies at once), keeping the last credentials read from a parseable file: a
 * half-saved or broken file must not switch authentication off.
 */
export function createCredentialSource(
  configPath: string,
  adminToken: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<AdminCredentials> {
  let lastBasic: AdminCredentials['basic'];
  return async () => {
    const text = await readFile(configPath, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const parsed = readAuthConfig(text, env);
      if (parsed !== 'unparseable') lastBasic = parsed;
    }
    return { ...(lastBasic ? { basic: lastBasic } : {}), ...(adminToken ? { token: adminToken } : {}) };
  };
}

/** governance.auth_config's admin user and password, undefined when unset or empty; `unparseable` for a broken file. */
export function readAuthConfig(text: string, env: NodeJS.ProcessEnv): AdminCredentials['basic'] | 'unparseable' {
  let raw: unknown;
  try {
    raw = parseJsonStrict(text.replace(/^\uFEFF/, ''));
  } catch {
    return 'unparseable';
  }
  const auth = (raw as { governance?: { auth_config?: Record<string, unknown> } } | null)?.governance?.auth_config;
  if (typeof auth !== 'object' || auth === null || auth.disable_auth_on_admin === true) return undefined;
  const username = typeof auth.admin_username === 'string' ? resolveEnvReference(auth.admin_username, env).value : '';
  const password = typeof auth.admin_password === 'string' ? resolveEnvReference(auth.admin_password, env).value : '';
  return username !== '' && password !== '' ? { username, password } : undefined;
}

/**
 * Checks a request's Authorization header: `Basic` with the admin user and password, or with
 * the admin token as password (any user name: what a browser's login prompt can send), or
 * `Bearer <token>`. Every comparison hashes both sides and compares in constant time.
 */
export function checkAuthorization(header: string | undefined, credentials: AdminCredentials): AuthVerdict {
  if (!credentials.basic && !credentials.token) return { kind: 'none-configured' };
  if (!header) return { kind: 'missing' };
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') {
    return credentials.token !== undefined && equalSecret(value, credentials.token) ? { kind: 'ok', who: 'token' } : { kind: 'wrong' };
  }
  if (scheme.toLowerCase() !== 'basic') return { kind: 'wrong' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'wrong' };
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (credentials.basic) {
    // Both compared, always: the time taken does not say which one was wrong.
    const userOk = equalSecret(user, credentials.basic.username);
    const passwordOk = equalSecret(password, credentials.basic.password);
    if (userOk && passwordOk) return { kind: 'ok', who: credentials.basic.username };
  }
  if (credentials.token !== undefined && equalSecret(password, credentials.token)) return { kind: 'ok', who: 'token' };
  return { kind: 'wrong' };
}

/** Constant-time equality of two strings (hashes first, so lengths do not leak either). */
export function equalSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The challenge that makes a browser show its login prompt. */
export function challenge(ctx: Context): void {
  ctx.set('WWW-Authenticate', 'Basic realm="ai-gateway reloader", charset="UTF-8"');
}

/** How to turn on writes, for the 403 of a read-only API. */
export const ENABLE_WRITES_HINT =
  'config writes are disabled: no admin credentials are configured. Set governance.auth_config.admin_username and admin_password ' +
  '(a literal or "env.NAME" set in the reloader\'s environment) in config.json, or RELOADER_ADMIN_TOKEN in the reloader\'s environment, then retry with an Authorization header';
