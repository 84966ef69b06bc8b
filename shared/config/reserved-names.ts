import type { ConfigIssue } from './validate.js';

/**
 * The names every plain JavaScript object already has (`__proto__`, `constructor`, `toString`,
 * `valueOf`, `hasOwnProperty`, ...). The schema library looks a key up in a plain object of
 * its own fields, so one of these names as a key would be taken for a field and fail inside
 * the library instead of being reported. No config means them: they are refused, with a path.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Every key, at any depth of the parsed file, that is one of the reserved names. */
export function findReservedKeys(value: unknown, path = ''): ConfigIssue[] {
  if (typeof value !== 'object' || value === null) return [];
  const issues: ConfigIssue[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => issues.push(...findReservedKeys(item, `${path}[${index}]`)));
    return issues;
  }
  for (const key of Object.keys(value)) {
    const keyPath = path === '' ? key : `${path}.${key}`;
    if (RESERVED_NAMES.has(key)) {
      issues.push({
        path: keyPath,
        message: `${keyPath} is not allowed: "${key}" is a name every JavaScript object already has, so it cannot be a name in config.json`,
      });
    } else {
      issues.push(...findReservedKeys((value as Record<string, unknown>)[key], keyPath));
    }
  }
  return issues;
}
