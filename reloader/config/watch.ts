import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, resolve } from 'node:path';

/** How to watch the config file. */
export interface WatchOptions {
  path: string;
  debounceMs: number;
  polling: boolean;
  pollIntervalMs: number;
  /** Called once per burst of events, after the debounce, to judge the file as it is then. */
  onSettled: () => void;
  onError?: (error: unknown) => void;
}

/** A running watch; close() stops it. */
export interface ConfigWatch {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches the config file's DIRECTORY, filtered to the file's name: an editor that saves
 * by writing a new file and renaming it over the old one replaces the inode, which a watch
 * on the file itself misses. Every add/change/unlink restarts the debounce timer, so a
 * burst of writes yields one evaluation of the final content.
 */
export function watchConfigFile(options: WatchOptions): ConfigWatch {
  const file = resolve(options.path);
  const dir = dirname(file);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;

  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    usePolling: options.polling,
    interval: options.pollIntervalMs,
    binaryInterval: options.pollIntervalMs,
    // Watch only the config file (and the directory itself, which chokidar needs to see new entries).
    ignored: (path: string) => resolve(path) !== dir && basename(path) !== name,
  });

  const bump = (path: string) => {
    if (resolve(path) !== file) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      options.onSettled();
    }, options.debounceMs);
  };
  watcher.on('add', bump).on('change', bump).on('unlink', bump);
  watcher.on('error', (error) => options.onError?.(error));

  const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  return {
    ready,
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
