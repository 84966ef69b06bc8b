import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWriteFs, writeFileAtomic } from '../../../reloader/config/write-atomic.js';

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
