import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The node a restart is in progress on, kept where a restarted reloader finds it. */
export interface RestartEntry {
  id: string;
  name: string;
  at: string;
}

/**
 * Remembers the node being restarted between its stop and its start. A reloader killed in
 * between (its own stop grace period ran out, the host rebooted) would otherwise leave that
 * node stopped for good: on start it reads the entry and starts the node again.
 */
export interface RestartJournal {
  begin(entry: RestartEntry): Promise<void>;
  end(): Promise<void>;
  read(): Promise<RestartEntry | undefined>;
}

/** A journal in a file of the rotation volume (nginx includes only its two files from there). */
export function createFileJournal(dir: string): RestartJournal {
  const path = join(dir, 'restart-in-progress.json');
  return {
    async begin(entry) {
      await writeFile(`${path}.tmp`, JSON.stringify(entry));
      await rename(`${path}.tmp`, path);
    },
    async end() {
      await rm(path, { force: true });
    },
    async read() {
      try {
        const entry = JSON.parse(await readFile(path, 'utf8')) as Partial<RestartEntry>;
        return typeof entry.id === 'string' && typeof entry.name === 'string' ? { id: entry.id, name: entry.name, at: String(entry.at) } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** A journal in memory, for tests and for running without a rotation directory. */
export function createMemoryJournal(): RestartJournal {
  let current: RestartEntry | undefined;
  return {
    begin: async (entry) => void (current = entry),
    end: async () => void (current = undefined),
    read: async () => current,
  };
}
