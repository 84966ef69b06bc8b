import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeSync, writeFileSync } from 'node:fs';
import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '../../../shared/config/index.js';
import { watchConfigFile, type ConfigWatch } from '../../../reloader/config/watch.js';
import { evaluateConfigFile, type ConfigEvaluation } from '../../../reloader/config/evaluate.js';
import { sleep } from '../../../shared/backoff.js';

const configText = (model: string) => JSON.stringify({ providers: { openai: { keys: [{ value: 'env.OPENAI_API_KEY', models: [model], weight: 1 }] } } }, null, 2) + '\n';

/** Waits until `predicate` holds, checking often; fails with `what` after a generous deadline. */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
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
    });
    afterEach(async () => {
      await watch.close();
      await rm(dir, { recursive: true, force: true });
    });

    const lastIs = (text: string) => () => {
      const last = seen.at(-1);
      return last?.kind === 'valid' && last.fingerprint === fingerprintOf(text);
    };

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
      await sleep(50);
      writeSync(fd, text, 0);
      closeSync(fd);
      await waitFor(lastIs(text), 'the rewritten content');
    });

    it('sees delete-then-create', async () => {
      const text = configText('gpt-recreated');
      await unlink(path);
      await sleep(50);
      await writeFile(path, text);
      await waitFor(lastIs(text), 'the recreated file');
    });

    it('turns a burst of saves into one evaluation of the final content', async () => {
      const final = configText('gpt-final');
      // Synchronous writes: the whole burst lands well within one debounce window.
      for (let i = 0; i < 10; i++) writeFileSync(path, configText(`gpt-${i}`));
      writeFileSync(path, final);
      await waitFor(() => seen.length > 0, 'the evaluation of the burst');
      await sleep(debounceMs * 4 + (polling ? 300 : 0));
      assert.equal(seen.length, 1, `expected one evaluation, got ${seen.length}`);
      assert.ok(lastIs(final)(), 'the evaluation saw the final content');
    });

    it('reports an invalid edit with its line, then the fixed file', async () => {
      await writeFile(path, '{\n  "providers": {\n    "openai": {,\n  }\n}\n');
      await waitFor(() => seen.at(-1)?.kind === 'invalid', 'the invalid verdict');
      const invalid = seen.at(-1)!;
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
