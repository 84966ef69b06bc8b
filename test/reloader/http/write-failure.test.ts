import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { nodeWriteFs, type WriteFs, type WriteHandle } from '../../../reloader/config/write-atomic.js';
import { startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { call } from './http-call.js';

/**
 * A file system whose writes into the config file's temp file fail with `code`: at once
 * (`write`), after the first write got only part of the text through as a disk filling up does
 * (`short-write`), or at the rename.
 */
function failingFs(code: string, at: 'write' | 'short-write' | 'rename'): WriteFs {
  const fail = () => Promise.reject(Object.assign(new Error(`${code}: simulated`), { code }));
  return {
    ...nodeWriteFs,
    open: async (path, flags, mode) => {
      const handle = await nodeWriteFs.open(path, flags, mode);
      if (at === 'rename' || !path.includes('.config.json.tmp-')) return handle;
      let writes = 0;
      const write: WriteHandle['write'] =
        at === 'write' ? fail : (data, offset, length, position) => (writes++ === 0 ? handle.write(data, offset, Math.min(length, 64), position) : fail());
      return { write, sync: () => handle.sync(), close: () => handle.close() };
    },
    rename: (from, to) => (at === 'rename' && from.includes('.config.json.tmp-') ? fail() : nodeWriteFs.rename(from, to)),
  };
}

describe('config API write failures', () => {
  let cp: ControlPlane;
  afterEach(async () => {
    await cp?.close();
  });

  async function putWeight(weight: number) {
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    return call(cp, 'PUT', '/api/config', {
      auth: cp.basic(),
      ifMatch: read.fingerprint,
      body: { text: read.text.replace('"weight": 1', `"weight": ${weight}`) },
    });
  }

  function assertIntact(before: string) {
    assert.equal(readFileSync(cp.path, 'utf8'), before, 'the old file is intact');
    assert.deepEqual(
      readdirSync(cp.dir).filter((name) => name.includes('.tmp-')),
      [],
      'no temporary file left behind',
    );
  }

  it('a full disk: 507 INSUFFICIENT_STORAGE, the old file intact, the version not in the history', async () => {
    cp = await startControlPlane({ fs: failingFs('ENOSPC', 'write') });
    const before = readFileSync(cp.path, 'utf8');
    const answer = await putWeight(2);
    assert.equal(answer.status, 507);
    assert.equal((answer.json as { code: string }).code, 'INSUFFICIENT_STORAGE');
    assert.match((answer.json as { error: string }).error, /disk is full.*unchanged/);
    assertIntact(before);
    const versions = ((await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as { versions: Array<{ via: string }> }).versions;
    assert.deepEqual(
      versions.map((v) => v.via),
      ['hand-edit'],
      'only the file as it was',
    );
    assert.ok(cp.records.some((r) => r.event === 'config-write-failed' && r.code === 'ENOSPC'));
  });

  it('a disk that fills up part-way through the write (a short count, then ENOSPC): 507, the old file intact, never a truncated file', async () => {
    cp = await startControlPlane({ fs: failingFs('ENOSPC', 'short-write') });
    const before = readFileSync(cp.path, 'utf8');
    const answer = await putWeight(2);
    assert.equal(answer.status, 507, answer.text);
    assert.equal((answer.json as { code: string }).code, 'INSUFFICIENT_STORAGE');
    assertIntact(before);
  });

  it('a read-only directory (EROFS at the rename): 500 CONFIG_WRITE_FAILED naming the cause, the old file intact', async () => {
    cp = await startControlPlane({ fs: failingFs('EROFS', 'rename') });
    const before = readFileSync(cp.path, 'utf8');
    const answer = await putWeight(2);
    assert.equal(answer.status, 500);
    assert.equal((answer.json as { code: string }).code, 'CONFIG_WRITE_FAILED');
    assert.match((answer.json as { error: string }).error, /EROFS.*not writable by the reloader.*unchanged/);
    assertIntact(before);
  });

  it('on the real file system, a history directory that cannot be made (a file in its place): a clear error, nothing written', async () => {
    cp = await startControlPlane();
    const before = readFileSync(cp.path, 'utf8');
    rmSync(`${cp.dir}/.history`, { recursive: true, force: true });
    writeFileSync(`${cp.dir}/.history`, 'not a directory');
    const answer = await putWeight(2);
    assert.equal(answer.status, 500);
    assert.equal((answer.json as { code: string }).code, 'CONFIG_WRITE_FAILED');
    assert.match((answer.json as { error: string }).error, /EEXIST|ENOTDIR/);
    assertIntact(before);
  });
});
