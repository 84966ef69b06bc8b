import { ValidationError } from 'yup';
import { fingerprintOf } from './fingerprint.js';
import { JsonSyntaxError, parseJsonStrict } from './parse-json.js';
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
 * exactly as a node would load it.
 */
export function validateConfigText(bytes: Uint8Array | string): ConfigValidation {
  const fingerprint = fingerprintOf(bytes);
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');

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

  try {
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
    for (const message of leaf.errors) {
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
  return issue.message.startsWith(issue.path + ' ') ? issue.message.slice(issue.path.length + 1) : issue.message;
}
