import { resolveEnvReference } from './env-secrets.js';

/** The admin credentials read APIs may require (HTTP Basic). `password` is a secret. */
export interface AdminCredentials {
  username: string;
  password: string;
}

/**
 * Reads Bifrost's `governance.auth_config.admin_username` / `admin_password` (either may be
 * `env.NAME`). Undefined unless both are set and non-empty. The governance section itself is
 * not validated by this node yet; only these two strings are read from it.
 */
export function resolveAdminCredentials(raw: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): AdminCredentials | undefined {
  const auth = (raw as { governance?: { auth_config?: { admin_username?: unknown; admin_password?: unknown } } } | undefined)?.governance?.auth_config;
  if (typeof auth?.admin_username !== 'string' || typeof auth.admin_password !== 'string') return undefined;
  const username = resolveEnvReference(auth.admin_username, env);
  const password = resolveEnvReference(auth.admin_password, env);
  for (const resolved of [username, password]) if (resolved.missing && resolved.variable) missing.add(resolved.variable);
  if (username.value === '' || password.value === '') return undefined;
  return { username: username.value, password: password.value };
}
