import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fingerprintOf, validateConfigText, type ConfigIssue } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { ApiError } from '../errors.js';
import { LogEvent } from '../observability/log-events.js';
import { ConfigHistory, type HistoryEntry, type HistoryVersion } from './config-history.js';
import { redactIssue } from './evaluate.js';
import { knownSecretsOf, maskConfigText, unmaskConfigText } from './secrets.js';
import { nodeWriteFs, writeFileAtomic, type WriteFs } from './write-atomic.js';

/** The file as the config API shows it: literal secrets masked, `env.NAME` as written. */
export interface ConfigView {
  path: string;
  text: string;
  fingerprint: string;
  valid: boolean;
  issues: ConfigIssue[];
  unsupported: string[];
}

/** A candidate's verdict. */
export interface Verdict {
  valid: boolean;
  issues: ConfigIssue[];
  unsupported: string[];
}

/** What a successful write did. */
export interface WriteOutcome {
  from_fingerprint: string | null;
  fingerprint: string;
  version: number;
  unchanged: boolean;
}

/** Settings of the editor. */
export interface ConfigEditorOptions {
  path: string;
  logger: Logger;
  /** How many versions the history keeps (default 20). */
  historyKeep?: number;
  /** Tests inject a failing file system (a full disk, a read-only directory). */
  fs?: WriteFs;
}

/**
 * Reads, judges and writes the one shared config.json for the config API. Writes are
 * serialised (one at a time), checked against the fingerprint the writer read (If-Match),
 * validated exactly as a node validates, recorded in the history and in an audit log line,
 * then written atomically; the watcher then rolls the cluster as for a hand edit.
 */
export class ConfigEditor {
  readonly history: ConfigHistory;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly fs: WriteFs;
  /** The secrets of the last valid text of the file this editor saw: masked in a broken one too. */
  private knownSecrets: readonly string[] = [];

  constructor(private readonly options: ConfigEditorOptions) {
    this.fs = options.fs ?? nodeWriteFs;
    this.history = new ConfigHistory(join(dirname(options.path), '.history'), options.historyKeep ?? 20, this.fs);
  }

  /** The file now: masked text, fingerprint of the real bytes, verdict. */
  async read(): Promise<ConfigView> {
    const text = await this.readText();
    const verdict = judge(text);
    return { path: this.options.path, text: this.mask(text), fingerprint: fingerprintOf(text), ...verdict };
  }

  /** Judges a candidate (masked values restored from the file first); writes nothing. */
  async validate(candidate: string): Promise<Verdict> {
    const current = await this.readText().catch(() => '');
    const unmasked = unmaskConfigText(candidate, current);
    if (!unmasked.ok) return { valid: false, issues: maskedIssues(unmasked.paths), unsupported: [] };
    return judge(unmasked.text);
  }

  /** PUT: writes `candidate` if the file is still `ifMatch` and the candidate is valid. */
  async write(candidate: string, ifMatch: string, author: string): Promise<WriteOutcome> {
    return this.serialise(async () => {
      const current = await this.readCurrentMatching(ifMatch);
      const unmasked = unmaskConfigText(candidate, current ?? '');
      if (!unmasked.ok) throw secretMaskedError(unmasked.paths);
      return this.commit(current, unmasked.text, author, { via: 'put' });
    });
  }

  /** Rollback: writes a kept version again (its masked secrets restored from the file on disk). */
  async rollback(version: number, author: string, ifMatch?: string): Promise<WriteOutcome> {
    return this.serialise(async () => {
      const kept = await this.history.read(version);
      if (!kept) throw new ApiError('VERSION_NOT_FOUND', `version ${version} is not in the history; see GET /api/config/history`);
      const current = ifMatch === undefined ? await this.readText().catch(() => undefined) : await this.readCurrentMatching(ifMatch);
      const unmasked = unmaskConfigText(kept.text, current ?? '');
      if (!unmasked.ok) throw secretMaskedError(unmasked.paths, `version ${version} holds secrets that are no longer in the file, so they cannot be restored`);
      return this.commit(current, unmasked.text, author, { via: 'rollback', restored_version: version });
    });
  }

  /** Kept versions, newest first. */
  async listHistory(): Promise<HistoryEntry[]> {
    return this.history.list();
  }

  /**
   * One kept version for the API, its text masked again by today's rules: a version saved by an
   * older reloader (before broken texts, URL credentials or virtual keys were masked) or written
   * into the directory by hand may hold a secret those rules missed. Masking twice changes
   * nothing already masked. Undefined when the version is not kept or its record is unreadable.
   */
  async readVersion(version: number): Promise<HistoryVersion | undefined> {
    const kept = await this.history.read(version);
    if (kept === undefined || typeof kept.text !== 'string') return undefined;
    return { ...kept, text: this.mask(kept.text) };
  }

  /** Masks a text for the API or the history, minding the secrets of the file's last valid text. */
  private mask(text: string): string {
    return maskConfigText(text, { knownSecrets: this.knownSecrets });
  }

  /**
   * Remembers the secrets of the file's text when it is valid JSON (where they are found for
   * sure): a later broken edit of the file is masked with them in mind, in case the breakage
   * hid one from the scan.
   */
  private learnSecrets(text: string): void {
    const found = knownSecretsOf(text);
    if (found) this.knownSecrets = found;
  }

  private async readText(): Promise<string> {
    const text = await readFile(this.options.path, 'utf8');
    this.learnSecrets(text);
    return text;
  }

  private async readCurrentMatching(ifMatch: string): Promise<string | undefined> {
    const current = await this.readText().catch(() => undefined);
    const fingerprint = current === undefined ? 'missing' : fingerprintOf(current);
    if (fingerprint !== ifMatch) {
      throw new ApiError(
        'CONFIG_CONFLICT',
        'the config file changed since it was read (edited by hand or in another tab): read it again, then reapply your change',
        {
          fingerprint: current === undefined ? null : fingerprint,
        },
      );
    }
    return current;
  }

  private async commit(
    current: string | undefined,
    next: string,
    author: string,
    how: { via: 'put' | 'rollback'; restored_version?: number },
  ): Promise<WriteOutcome> {
    const verdict = judge(next);
    if (!verdict.valid)
      throw new ApiError('CONFIG_INVALID', `the config is invalid (${verdict.issues.length} issue(s)); nothing was written`, { issues: verdict.issues });
    const from = current === undefined ? null : fingerprintOf(current);
    const to = fingerprintOf(next);
    if (from === to) {
      const latest = await this.history.latest();
      return { from_fingerprint: from, fingerprint: to, version: latest?.fingerprint === to ? latest.version : 0, unchanged: true };
    }
    const entry = await this.guardWrite(async () => {
      await this.recordHandEdit(current, from);
      const added = await this.history.append({
        time: new Date().toISOString(),
        fingerprint: to,
        author,
        from_fingerprint: from,
        text: this.mask(next),
        ...how,
      });
      try {
        await writeFileAtomic(this.options.path, next, this.fs);
        this.learnSecrets(next);
      } catch (error) {
        // The history must not list a version that never reached the file.
        await this.history.remove(added.version).catch(() => undefined);
        throw error;
      }
      return added;
    });
    this.options.logger.info(
      { event: LogEvent.configWritten, who: author, via: how.via, from, to, version: entry.version },
      `config written by ${author} via ${how.via} (${from ?? 'none'} -> ${to}); the watcher rolls the cluster`,
    );
    return { from_fingerprint: from, fingerprint: to, version: entry.version, unchanged: false };
  }

  /** Keeps the file as it was before the first API write (or a hand edit since): a rollback target. */
  private async recordHandEdit(current: string | undefined, fingerprint: string | null): Promise<void> {
    if (current === undefined || fingerprint === null) return;
    const latest = await this.history.latest();
    if (latest?.fingerprint === fingerprint) return;
    await this.history.append({
      time: new Date().toISOString(),
      fingerprint,
      author: 'file',
      from_fingerprint: latest?.fingerprint ?? null,
      text: this.mask(current),
      via: 'hand-edit',
    });
  }

  /** Turns a file-system failure into a clear API error; the old file is untouched by then. */
  private async guardWrite<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      this.options.logger.error({ event: LogEvent.configWriteFailed, code }, `config write failed (${code}); the file is unchanged`);
      const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
      throw new ApiError(
        full ? 'INSUFFICIENT_STORAGE' : 'CONFIG_WRITE_FAILED',
        `could not write the config (${code}${describeWriteFailure(code)}); the file is unchanged`,
        { fs_code: code },
        { cause: error },
      );
    }
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function judge(text: string): Verdict {
  const verdict = validateConfigText(text);
  if (verdict.ok) return { valid: true, issues: [], unsupported: verdict.unsupported };
  return { valid: false, issues: verdict.issues.map(redactIssue), unsupported: [] };
}

/** What a file-system error code means for a person, after a colon; empty when the code says it all. */
function describeWriteFailure(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT') return ': the disk is full';
  if (code === 'EFBIG') return ': the file is larger than the reloader may write (a file size limit)';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return ': the config directory is not writable by the reloader';
  return '';
}

function maskedIssues(paths: string[]): ConfigIssue[] {
  return paths.map((path) => ({
    path,
    message: `${path} holds a masked secret that does not match the file's value at this path: type the secret again, or use env.NAME`,
  }));
}

function secretMaskedError(paths: string[], message = 'a masked secret cannot be written: it does not match the value on disk at the same path'): ApiError {
  return new ApiError('SECRET_MASKED', `${message}; type the secret again (or use env.NAME) at: ${paths.join(', ')}`, { issues: maskedIssues(paths) });
}
