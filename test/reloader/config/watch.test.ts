import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeSync, writeFileSync } from 'node:fs';
import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '../../../shared/config/index.js';
import { watchConfigFile, type ConfigWatch } from '../../../reloader/config/watch.js';
import { evaluateConfigFile, type ConfigEvaluation } from '../../../reloader/config/evaluate.js';
import { sleep } from '../../../shared/backoff.js';

const configText = (model: string) =>
  JSON.stringify({ providers: { openai: { keys: [{ value: 'env.OPENAI_API_KEY', models: [model], weight: 1 }] } } }, null, 2) + '\n';

/** True once `predicate` holds, false if it still does not after `timeoutMs` (checked often). */
async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Waits until `predicate` holds; fails with `what` after a generous deadline (a hang guard, not a timing claim). */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (!(await until(predicate, timeoutMs))) assert.fail(`timed out waiting for ${what}`);
}

for (const polling of [false, true]) {
  describe(`watchConfigFile (${polling ? 'polling' : 'inotify'})`, function () {
    this.timeout(30_000);
    let dir: string;
    let path: string;
    let watch: ConfigWatch;
    let seen: ConfigEvaluation[];
    const debounceMs = 200;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'reloader-watch-'));
      path = join(dir, 'config.json');
      writeFileSync(path, configText('gpt-initial'));
      seen = [];
      watch = watchConfigFile({
        path,
        debounceMs,
        polling,
        pollIntervalMs: 100,
        onSettled: () => void evaluateConfigFile(path).then((e) => seen.push(e)),
      });
      await watch.ready;
      await armWatcher();
    });
    afterEach(async () => {
      await watch.close();
      await rm(dir, { recursive: true, force: true });
    });

    const lastIs = (text: string) => () => {
      const last = seen.at(-1);
      return last?.kind === 'valid' && last.fingerprint === fingerprintOf(text);
    };

    /**
     * Waits until the watcher demonstrably sees writes. chokidar's `ready` does not mean that:
     * with polling, fs.watchFile takes its baseline stat asynchronously, and a write that lands
     * before that stat becomes the baseline and is never reported (the old flake: a test waited
     * 15 s for an event that could not come). So rewrite the file until one evaluation arrives,
     * then start each test from an empty record.
     */
    async function armWatcher(): Promise<void> {
      const text = configText('gpt-initial');
      for (let attempt = 1; ; attempt++) {
        writeFileSync(path, text + ' '.repeat(attempt)); // a new size each time: seen even within one mtime tick
        if (await until(() => seen.length > 0, 2_000)) break;
        if (attempt === 5) assert.fail('the watcher never reported a write');
      }
      seen.length = 0;
    }

    it('sees an in-place write', async () => {
      const text = configText('gpt-in-place');
      await writeFile(path, text);
      await waitFor(lastIs(text), 'the in-place write');
    });

    it('sees a vim-style save (write a temp file, rename it over the config)', async () => {
      const text = configText('gpt-renamed');
      await writeFile(join(dir, 'config.json.swp'), text);
      await rename(join(dir, 'config.json.swp'), path);
      await waitFor(lastIs(text), 'the rename save');
    });

    it('sees truncate-then-write, judging the final content', async () => {
      const text = configText('gpt-truncated');
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, 0);
      // Part of the scenario (an editor pausing between its two syscalls), not a wait on the
      // watcher: whether or not the empty file is judged in between, the last verdict must be
      // the final content, which is all the test waits for.
      await sleep(50);
      writeSync(fd, text, 0);
      closeSync(fd);
      await waitFor(lastIs(text), 'the rewritten content');
    });

    it('sees delete-then-create', async () => {
      const text = configText('gpt-recreated');
      await unlink(path);
      // Waiting for the watcher's verdict on the deletion (not a fixed pause) makes both events happen.
      await waitFor(() => seen.at(-1)?.kind === 'missing', 'the verdict on the deleted file');
      await writeFile(path, text);
      await waitFor(lastIs(text), 'the recreated file');
    });

    it('turns a burst of saves into one evaluation of the final content', async () => {
      const final = configText('gpt-final');
      const intermediate = Array.from({ length: 10 }, (_, i) => configText(`gpt-${i}`));
      // Synchronous writes: the whole burst lands well within one debounce window.
      for (const text of intermediate) writeFileSync(path, text);
      writeFileSync(path, final);
      await waitFor(() => seen.length > 0, 'the evaluation of the burst');
      // No fixed pause to "make sure nothing else comes": a later marker edit closes the burst.
      // Its evaluation comes after any the burst still had pending (one debounce timer serves both).
      const marker = configText('gpt-marker-after-the-burst');
      await writeFile(path, marker);
      await waitFor(lastIs(marker), 'the marker edit');
      const fingerprints = seen.map((e) => (e.kind === 'missing' ? 'missing' : e.fingerprint));
      // The writes are synchronous, so the event loop (and every timer) waits until the burst is
      // over: whatever evaluates it reads the final content, never one in between.
      const sawIntermediate = intermediate.filter((text) => fingerprints.includes(fingerprintOf(text)));
      assert.deepEqual(sawIntermediate, [], 'no evaluation of a write the burst overwrote');
      // Eleven writes, coalesced: their events all arrive after the burst, as one inotify batch
      // or at most two polls (one whose stat ran mid-burst, the next that saw the end).
      const ofFinal = fingerprints.filter((fp) => fp === fingerprintOf(final)).length;
      assert.ok(ofFinal >= 1 && ofFinal <= 2, `expected the burst coalesced into one evaluation of its end, got ${ofFinal}`);
    });

    it('reports an invalid edit with its line, then the fixed file', async () => {
      const broken = '{\n  "providers": {\n    "openai": {,\n  }\n}\n';
      await writeFile(path, broken);
      // The verdict on exactly this text: one on a half-written file would name another line.
      await waitFor(() => seen.some((e) => e.kind === 'invalid' && e.fingerprint === fingerprintOf(broken)), 'the invalid verdict');
      const invalid = seen.find((e) => e.kind === 'invalid' && e.fingerprint === fingerprintOf(broken))!;
      assert.ok(invalid.kind === 'invalid' && invalid.issues[0]!.line === 3, JSON.stringify(invalid));
      const fixed = configText('gpt-fixed');
      await writeFile(path, fixed);
      await waitFor(lastIs(fixed), 'the fixed file');
    });
  });
}

describe('evaluateConfigFile', () => {
  it('rejects a config_store and a schema error with their paths, and a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-eval-'));
    const path = join(dir, 'config.json');
    try {
      writeFileSync(path, JSON.stringify({ providers: {}, config_store: { enabled: true, type: 'sqlite' } }));
      const store = await evaluateConfigFile(path);
      assert.ok(store.kind === 'invalid' && store.issues.some((i) => i.path === 'config_store'), JSON.stringify(store));
      writeFileSync(path, JSON.stringify({ providers: { openai: { keys: [{ value: 'sk-x', models: ['*'], weight: 'sk-secret-typed-here' }] } } }));
      const weight = await evaluateConfigFile(path);
      assert.ok(weight.kind === 'invalid' && weight.issues.some((i) => i.path === 'providers.openai.keys[0].weight'), JSON.stringify(weight));
      assert.ok(!JSON.stringify(weight).includes('sk-secret-typed-here'), `the value leaks: ${JSON.stringify(weight)}`);
      await unlink(path);
      assert.equal((await evaluateConfigFile(path)).kind, 'missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
