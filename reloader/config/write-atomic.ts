import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The few file operations an atomic write needs; tests inject failing ones (a full disk). */
export interface WriteFs {
  open(path: string, flags: string, mode?: number): Promise<WriteHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<{ mode: number; uid: number; gid: number }>;
}

/** An open file, as much of it as the atomic write uses. */
export interface WriteHandle {
  /** Writes up to `length` bytes of `data` from `offset` at file `position`; may write fewer (a nearly full disk). */
  write(data: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
  chown?(uid: number, gid: number): Promise<void>;
  chmod?(mode: number): Promise<void>;
}

/** The real file system. */
export const nodeWriteFs: WriteFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  stat: (path) => fsp.stat(path),
};

/**
 * Replaces `path` with `data` so that a reader (a node starting, the watcher) sees either the
 * old file or the new one, never half of one: a temporary file in the same directory (a
 * rename is atomic only within one file system), fsync, rename over the target, fsync the
 * directory (so the rename itself survives a power cut). The new file keeps the old one's
 * permission bits and owner: the nodes run as another user and must still read it, and the host
 * user must still edit it. On any failure the temporary file is removed and the old file is
 * untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, fs: WriteFs = nodeWriteFs, fallbackMode = 0o644): Promise<void> {
  const dir = dirname(path);
  // A dot name: the watcher filters on the config's own name and ignores it.
  const temp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  const before = await fs.stat(path).catch(() => undefined);
  const mode = before ? before.mode & 0o777 : fallbackMode;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let created = false;
  try {
    const handle = await fs.open(temp, 'wx', mode);
    created = true;
    try {
      // The reloader runs as root in compose: without this the host user who owns config.json
      // could no longer edit it by hand. Not root (the socket-proxy setup): nothing to change.
      if (before) await handle.chown?.(before.uid, before.gid).catch(() => undefined);
      // open()'s mode passes through the umask; the old file's bits are what the nodes rely on.
      await handle.chmod?.(mode);
      await writeAll(handle, bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir, fs);
}

/**
 * Writes every byte. One write may write fewer than asked (Linux does on a nearly full disk, or
 * at a file size limit) and the next one then fails (ENOSPC, EFBIG): that error is passed on,
 * and a write that makes no progress at all is one too, so a short file is never renamed in.
 */
async function writeAll(handle: WriteHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, written);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error(`no space left: ${written} of ${bytes.length} bytes written`), { code: 'ENOSPC' });
    }
    written += bytesWritten;
  }
}

async function syncDirectory(dir: string, fs: WriteFs): Promise<void> {
  // Some file systems refuse fsync on a directory (EISDIR/EINVAL): the rename is done; go on.
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
