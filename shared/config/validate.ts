import { ValidationError } from 'yup';
import { fingerprintOf } from './fingerprint.js';
import { MAX_NESTING, measureNesting } from './nesting.js';
import { JsonSyntaxError, parseJsonStrict } from './parse-json.js';
import { findReservedKeys } from './reserved-names.js';
import { findGovernanceIssues } from './schema/governance-references.js';
import { configSchema, type ValidatedConfig } from './schema/index.js';
import { findUnsupportedSettings } from './unsupported.js';

/** One problem found in a config file: where it is, and what is wrong. */
export interface ConfigIssue {
  /** A JSON path such as `providers.openai.keys[0].weight`, or `(file)` for syntax errors. */
  path: string;
  message: string;
  /** For syntax errors: where in the text. */
  line?: number;
  column?: number;
}

/** The outcome of validating the text of a config file. */
export type ConfigValidation =
  | { ok: true; fingerprint: string; config: ValidatedConfig; unsupported: string[] }
  | { ok: false; fingerprint: string; issues: ConfigIssue[] };

/**
 * Validates the bytes of a config.json: strict JSON, then the schema, reporting every
 * problem at once. Pure: reads no environment and no file, so the reloader judges an edit
 * exactly as a node would load it. Never throws: a file that makes a step fail unexpectedly
 * is refused with an issue saying so, since a node could not load it either.
 */
export function validateConfigText(bytes: Uint8Array | string): ConfigValidation {
  const fingerprint = fingerprintOf(bytes);
  try {
    return validateText(bytes, fingerprint);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, fingerprint, issues: [{ path: '(file)', message: `the config could not be validated (${reason}); it is refused` }] };
  }
}

function validateText(bytes: Uint8Array | string, fingerprint: string): ConfigValidation {
  // Windows editors save UTF-8 with a byte-order mark; it is not part of the JSON text. The
  // fingerprint stays that of the exact bytes, which is what nodes and the reloader compare.
  const text = withoutByteOrderMark(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  if (measureNesting(text) > MAX_NESTING) {
    return { ok: false, fingerprint, issues: [{ path: '(file)', message: `objects and arrays nest more than ${MAX_NESTING} levels deep: not a config.json` }] };
  }

  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      return {
        ok: false,
        fingerprint,
        issues: [{ path: '(file)', message: error.message, ...error.position }],
      };
    }
    throw error;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, fingerprint, issues: [{ path: '(root)', message: 'config must be a JSON object' }] };
  }

  const reserved = findReservedKeys(raw);
  if (reserved.length > 0) return { ok: false, fingerprint, issues: reserved };

  try {
    // First as written: a wrong JSON type is an error (Bifrost's loader refuses it too), never
    // coerced ("12345" for a number, 12345 for a key's value). Then again to apply defaults
    // and normalise durations.
    configSchema.validateSync(raw, { abortEarly: false, strict: true });
    const config = configSchema.validateSync(raw, { abortEarly: false, stripUnknown: false }) as ValidatedConfig;
    // References between entries are checked once every entry has its own shape.
    const references = findGovernanceIssues(config);
    if (references.length > 0) return { ok: false, fingerprint, issues: references };
    return { ok: true, fingerprint, config, unsupported: findUnsupportedSettings(raw) };
  } catch (error) {
    if (error instanceof ValidationError) {
      return { ok: false, fingerprint, issues: toIssues(error) };
    }
    throw error;
  }
}

function toIssues(error: ValidationError): ConfigIssue[] {
  const leaves = error.inner.length > 0 ? error.inner : [error];
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const leaf of leaves) {
    const path = leaf.path && leaf.path.length > 0 ? leaf.path : '(root)';
    for (const message of leaf.type === 'typeError' ? [describeTypeError(path, leaf)] : leaf.errors) {
      const key = `${path}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ path, message });
    }
  }
  return issues;
}

/** Formats issues one per line, for logs and error messages. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => (issue.path.startsWith('(') ? issue.message : `${issue.path}: ${stripPathPrefix(issue)}`)).join('\n');
}

function stripPathPrefix(issue: ConfigIssue): string {
  // yup messages usually begin with the path already; avoid "a.b: a.b must be ...".
  return issue.message.startsWith(`${issue.path} `) ? issue.message.slice(issue.path.length + 1) : issue.message;
}

const BYTE_ORDER_MARK = '\uFEFF';

function withoutByteOrderMark(text: string): string {
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}

/**
 * "path must be a number, not a string": the expected JSON type and the type the file has.
 * The value itself is never repeated: a secret typed into the wrong field would end up in
 * logs, the reloader's status and the config API.
 */
function describeTypeError(path: string, leaf: ValidationError): string {
  const expected = String((leaf.params as { type?: unknown } | undefined)?.type ?? 'different type');
  return `${path} must be ${withArticle(expected)}, not ${withArticle(jsonTypeOf(leaf.value))}`;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
