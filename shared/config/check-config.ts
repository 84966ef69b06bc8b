import { readFileSync } from 'node:fs';
import { shortFingerprint } from './fingerprint.js';
import { formatIssues, validateConfigText } from './validate.js';

/** The verdict of checkConfigFile: what to print, and the process exit code. */
export interface CheckResult {
  code: 0 | 1 | 2;
  stdout: string[];
  stderr: string[];
}

/**
 * Checks config files with the gateway's own validation (the same a node runs at start and
 * the reloader runs on each edit): 0 when every file is valid, 1 when one is invalid (each
 * issue printed with its path), 2 when one cannot be read. Pure but for reading the files.
 */
export function checkConfigFiles(paths: readonly string[]): CheckResult {
  const result: CheckResult = { code: 0, stdout: [], stderr: [] };
  if (paths.length === 0) {
    result.stderr.push('usage: check-config <config.json> [more.json ...]');
    result.code = 2;
    return result;
  }
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      result.stderr.push(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      result.code = 2;
      continue;
    }
    const verdict = validateConfigText(bytes);
    if (verdict.ok) {
      result.stdout.push(`${path}: valid (${shortFingerprint(verdict.fingerprint)})`);
      for (const setting of verdict.unsupported) result.stdout.push(`${path}: note: ${setting} is accepted but not implemented by the gateway`);
      continue;
    }
    for (const line of formatIssues(verdict.issues).split('\n')) result.stderr.push(`${path}: ${line}`);
    if (result.code === 0) result.code = 1;
  }
  return result;
}
