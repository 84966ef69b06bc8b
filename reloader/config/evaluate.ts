import { readFile, stat } from 'node:fs/promises';
import { formatIssues, validateConfigText, type ConfigIssue } from '../../shared/config/index.js';

/** The verdict on the config file as it is on disk now. */
export type ConfigEvaluation =
  | { kind: 'valid'; fingerprint: string; unsupported: string[]; checkedAt: string }
  | { kind: 'invalid'; fingerprint: string; issues: ConfigIssue[]; checkedAt: string }
  | { kind: 'missing'; error: string; checkedAt: string };

/**
 * Reads the file's bytes and judges them with the gateway's own validation and
 * fingerprint, so "valid" and "changed" mean exactly what a node would make of the file.
 */
export async function evaluateConfigFile(path: string): Promise<ConfigEvaluation> {
  const checkedAt = new Date().toISOString();
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { kind: 'missing', error: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, checkedAt };
  }
  const verdict = validateConfigText(bytes);
  if (verdict.ok) return { kind: 'valid', fingerprint: verdict.fingerprint, unsupported: verdict.unsupported, checkedAt };
  return { kind: 'invalid', fingerprint: verdict.fingerprint, issues: verdict.issues.map(redactIssue), checkedAt };
}

/**
 * Drops the offending value that yup appends to some messages ("but the final value was:
 * `...`"): a secret typed into the wrong field must not reach the log or the status API.
 */
export function redactIssue(issue: ConfigIssue): ConfigIssue {
  const message = issue.message.replace(/,? but the final value was:[\s\S]*$/, '').trimEnd();
  return { ...issue, message: message.endsWith('.') || message === '' ? message : `${message}.` };
}

/** Like evaluateConfigFile, but undefined while the file was written less than `quietMs` ago. */
export async function evaluateIfSettled(path: string, quietMs: number): Promise<ConfigEvaluation | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs < quietMs) return undefined;
  return evaluateConfigFile(path);
}

/** One line per issue, with its path or line, for the log. */
export function describeIssues(issues: readonly ConfigIssue[]): string {
  return formatIssues(issues).split('\n').join('; ');
}
