/**
 * Bifrost's `env.NAME` convention: a string "env.NAME" in config.json stands for the value
 * of the environment variable NAME, read once at startup. Only variable names are ever
 * logged, never values. When NAME is unset or empty, the file NAME in SECRET_FILES_DIR
 * (default /run/secrets, the Docker/Swarm/Kubernetes secrets convention) is read instead:
 * a key kept there is in no container's metadata, and a restart reads a rotated one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ENV_REFERENCE = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** The result of resolving one string that may be an `env.` reference. */
export interface ResolvedString {
  value: string;
  /** The variable named, when the string was a reference. */
  variable?: string;
  /** True when the string named a variable that is unset or empty. */
  missing: boolean;
}

/** Resolves `text` against `env` when it is an `env.NAME` reference; other strings pass unchanged. */
export function resolveEnvReference(text: string, env: NodeJS.ProcessEnv): ResolvedString {
  const match = ENV_REFERENCE.exec(text);
  if (!match) return { value: text, missing: false };
  const variable = match[1] as string;
  const value = env[variable] || readSecretFile(variable, env);
  return { value, variable, missing: value === '' };
}

/** The secret file's content without surrounding whitespace (editors add a newline), or '' when there is none. */
function readSecretFile(variable: string, env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(join(env.SECRET_FILES_DIR || '/run/secrets', variable), 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Resolves every string inside a plain JSON value (objects, arrays, strings), collecting the
 * names of variables that were referenced but unset.
 */
export function resolveEnvDeep<T>(value: T, env: NodeJS.ProcessEnv, missing: Set<string>): T {
  if (typeof value === 'string') {
    const resolved = resolveEnvReference(value, env);
    if (resolved.missing && resolved.variable) missing.add(resolved.variable);
    return resolved.value as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => resolveEnvDeep(item, env, missing)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveEnvDeep(item, env, missing);
    return out as T;
  }
  return value;
}
