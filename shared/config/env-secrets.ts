/**
 * Bifrost's `env.NAME` convention: a string "env.NAME" in config.json stands for the value
 * of the environment variable NAME, read once at startup. Only variable names are ever
 * logged, never values.
 */

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
  const value = env[variable] ?? '';
  return { value, variable, missing: value === '' };
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
