import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeWriteFs, writeFileAtomic, type WriteFs, type WriteHandle } from '../../../reloader/config/write-atomic.js';

/**
 * The real file system, but the config's temporary file is written as a disk with `freeBytes`
 * left behaves: a write gets at most `perWrite` bytes through and says how many (a short count),
 * and once nothing is free the next write fails with ENOSPC, as Linux does.
 */
function nearlyFullFs(freeBytes: number, perWrite = Number.POSITIVE_INFINITY): WriteFs {
  let free = freeBytes;
  return {
    ...nodeWriteFs,
    open: async (path, flags, mode) => {
      const handle = await nodeWriteFs.open(path, flags, mode);
      if (!path.includes('.tmp-')) return handle;
      const limited: WriteHandle = {
        write: async (data, offset, length, position) => {
          if (free === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          const granted = Math.min(length, free, perWrite);
          free -= granted;
          return handle.write(data, offset, granted, position);
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
      return limited;
    },
  };
}

describe('writeFileAtomic', () => {
  it('replaces the file with a new inode, keeping its permission bits (and its owner when run as root), leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"old":true}');
    chmodSync(path, 0o664);
    const root = process.getuid?.() === 0;
    if (root) chownSync(path, 1234, 2345);
    const before = statSync(path);
    await writeFileAtomic(path, '{"new":true}');
    const after = statSync(path);
    assert.equal(readFileSync(path, 'utf8'), '{"new":true}');
    assert.notEqual(after.ino, before.ino, 'a rename, not an in-place write');
    assert.equal(after.mode & 0o777, 0o664);
    if (root) assert.deepEqual([after.uid, after.gid], [1234, 2345]);
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });

  it('writes every byte when each write takes only a few (short counts), not just the first few', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old');
    const text = JSON.stringify({ providers: {}, pad: 'x'.repeat(5000) });
    await writeFileAtomic(path, text, nearlyFullFs(Number.POSITIVE_INFINITY, 7));
    assert.equal(readFileSync(path, 'utf8'), text);
  });

  it('a disk that fills up part-way: rejects with ENOSPC, the old file intact, no temp file (never a truncated file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"old":true}');
    const text = JSON.stringify({ providers: {}, pad: 'x'.repeat(20_000) });
    await assert.rejects(writeFileAtomic(path, text, nearlyFullFs(8192)), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
    assert.equal(readFileSync(path, 'utf8'), '{"old":true}');
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });

  it('at a real file size limit (ulimit -f 8): rejects with EFBIG, the old file intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"old":true}');
    const module = fileURLToPath(new URL('../../../reloader/config/write-atomic.ts', import.meta.url));
    const script = join(dir, 'write.mts');
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(module)};
await writeFileAtomic(${JSON.stringify(path)}, JSON.stringify({ providers: {}, pad: 'x'.repeat(20000) })).then(
  () => console.log('resolved'),
  (error) => console.log('rejected', error.code),
);
`,
    );
    // The limit is 8 blocks of 1 KiB: the kernel writes 8,192 bytes, then refuses the rest.
    const { stdout } = await promisify(execFile)('bash', ['-c', 'ulimit -f 8 && exec "$0" --import tsx "$1"', process.execPath, script], {
      cwd: process.cwd(),
    });
    assert.equal(stdout.trim(), 'rejected EFBIG');
    assert.equal(readFileSync(path, 'utf8'), '{"old":true}');
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'write.mts']);
  });

  it('a failing write leaves the old file and removes the temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-atomic-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old');
    const fs = {
      ...nodeWriteFs,
      open: async (p: string, flags: string, mode?: number) => {
        const handle = await nodeWriteFs.open(p, flags, mode);
        return p === dir
          ? handle
          : {
              ...handle,
              write: () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' })),
              sync: () => handle.sync(),
              close: () => handle.close(),
            };
      },
    };
    await assert.rejects(writeFileAtomic(path, 'new', fs), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });
});
