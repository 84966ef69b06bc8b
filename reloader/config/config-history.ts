import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, nodeWriteFs, type WriteFs } from './write-atomic.js';

/** One earlier version of the config file, as the history API lists it (no text). */
export interface HistoryEntry {
  version: number;
  time: string;
  fingerprint: string;
  /** Who wrote it: the admin user name, `token`, or `file` for an edit made by hand. */
  author: string;
  /** The fingerprint of the file it replaced, when known. */
  from_fingerprint: string | null;
  /** How it was written: `put`, `rollback`, or `hand-edit` (found on disk before an API write). */
  via: 'put' | 'rollback' | 'hand-edit';
  /** For a rollback: the version it restored. */
  restored_version?: number;
}

/** A version with its (masked) text. */
export interface HistoryVersion extends HistoryEntry {
  text: string;
}

/**
 * Earlier versions of config.json, one JSON file each in a directory beside it
 * (`config/.history/000042.json`), the newest `keep` kept. The text is stored with literal
 * secrets masked (see secrets.ts): a rollback restores them from the file on disk.
 */
export class ConfigHistory {
  constructor(
    readonly dir: string,
    private readonly keep = 20,
    private readonly fs: WriteFs = nodeWriteFs,
  ) {}

  /** Every kept version, newest first, without text. */
  async list(): Promise<HistoryEntry[]> {
    const versions = await this.versionNumbers();
    const entries: HistoryEntry[] = [];
    for (const version of versions.reverse()) {
      const entry = await this.read(version);
      if (entry) entries.push(withoutText(entry));
    }
    return entries;
  }

  /** One version with its text, or undefined when it is not kept. */
  async read(version: number): Promise<HistoryVersion | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    try {
      return JSON.parse(await readFile(this.fileOf(version), 'utf8')) as HistoryVersion;
    } catch {
      return undefined;
    }
  }

  /** The newest version, or undefined when there is none. */
  async latest(): Promise<HistoryVersion | undefined> {
    const versions = await this.versionNumbers();
    const last = versions[versions.length - 1];
    return last === undefined ? undefined : this.read(last);
  }

  /** Records a new version (text already masked) and drops the oldest beyond `keep`. Throws when the directory cannot be written. */
  async append(entry: Omit<HistoryVersion, 'version'>): Promise<HistoryEntry> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const versions = await this.versionNumbers();
    const version = (versions[versions.length - 1] ?? 0) + 1;
    const record: HistoryVersion = { version, ...entry };
    await writeFileAtomic(this.fileOf(version), `${JSON.stringify(record, null, 2)}\n`, this.fs, 0o600);
    const stale = [...versions, version].slice(0, -this.keep);
    await Promise.all(stale.map((old) => rm(this.fileOf(old), { force: true })));
    return withoutText(record);
  }

  /** Forgets one version (a write that failed after it was recorded). */
  async remove(version: number): Promise<void> {
    await rm(this.fileOf(version), { force: true });
  }

  private async versionNumbers(): Promise<number[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names
      .map((name) => /^(\d{6,})\.json$/.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private fileOf(version: number): string {
    return join(this.dir, `${String(version).padStart(6, '0')}.json`);
  }
}

function withoutText(version: HistoryVersion): HistoryEntry {
  const { text: _text, ...entry } = version;
  return entry;
}
