import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type IdleCollections, type QuietCheck, QuietSpells, startIdleMemoryTrim } from '../../../gateway/lifecycle/idle-memory-trim.js';
import { imageNodeFlags, imageNodeMajor, imageNodeRuntime } from '../../support/image-node-runtime.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Runs one of this suite's fixture programs under `node` with `args`, and returns its last line as JSON. */
async function runFixture<T>(node: string, args: string[]): Promise<T> {
  const { stdout } = await run(node, args, { cwd: process.cwd(), timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

describe('idle memory trim', () => {
  it('tells a busy spell, its end, and a long quiet spell apart, once each', () => {
    let admitted = 0;
    const spells = new QuietSpells(() => admitted, { longQuietChecks: 3 });
    const seen: QuietCheck[] = [];
    const check = () => seen.push(spells.check());
    check(); // never busy
    admitted += 5;
    check();
    check(); // the spell ended
    check();
    check(); // third quiet check in a row
    check(); // and nothing more until the next request
    admitted += 1;
    check();
    check();
    admitted += 1; // busy again before the long spell
    check();
    check();
    assert.deepEqual(seen, ['quiet', 'busy', 'spell-ended', 'quiet', 'long-quiet', 'quiet', 'busy', 'spell-ended', 'busy', 'spell-ended']);
  });

  it('reduces once after start-up; after traffic keeps code, then reduces after a long quiet; nothing once stopped', async () => {
    let admitted = 0;
    const runs: string[] = [];
    const collections: IdleCollections = { keepingCode: () => runs.push('keepingCode'), reducing: () => runs.push('reducing') };
    const waitFor = async (count: number) => {
      for (let waited = 0; runs.length < count && waited < 5000; waited += 10) await sleep(10);
    };
    const trim = startIdleMemoryTrim({ admitted: () => admitted, collections, quietMs: 20, longQuietMs: 60 });
    try {
      await waitFor(1);
      await sleep(150);
      assert.deepEqual(runs, ['reducing'], 'start-up, no request yet: one memory-reducing collection');
      admitted++;
      await waitFor(3);
      await sleep(150);
      assert.deepEqual(runs, ['reducing', 'keepingCode', 'reducing'], 'after traffic: keep code first, reduce once the quiet is long');
    } finally {
      trim.stop();
    }
    admitted++;
    await sleep(150);
    assert.equal(runs.length, 3, 'none after stop');
  });

  describe(`on the image's runtime (Node ${imageNodeMajor()}) and Node flags`, () => {
    let imageNode: string;

    before(async function () {
      // The first run on a machine fetches the image's Node from npm (about 50 MB).
      this.timeout(5 * 60_000);
      imageNode = await imageNodeRuntime();
    });

    it('gives back the heap a burst grew once the node is idle; without the trim V8 keeps it', async function () {
      this.timeout(90_000);
      type Report = { peakHeapTotal: number; heapTotal: number; returnedAfterMs: number | null };
      const burst = (trim: boolean) =>
        runFixture<Report>(imageNode, [
          ...imageNodeFlags(),
          '--import',
          'tsx',
          join(FIXTURES, 'burst-then-idle.ts'),
          ...(trim ? ['--trim'] : []),
          '--watch-ms=8000',
        ]);
      const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
      const trimmed = await burst(true);
      assert.ok(trimmed.peakHeapTotal > 32 * 1048576, `the burst should have grown the heap (peak ${mb(trimmed.peakHeapTotal)})`);
      assert.notEqual(trimmed.returnedAfterMs, null, `the trimmed program kept ${mb(trimmed.heapTotal)} of its burst's ${mb(trimmed.peakHeapTotal)}`);
      // The flags turn V8's own reducer off: this is the memory the trim is there to give back.
      const kept = await burst(false);
      assert.equal(kept.returnedAfterMs, null, `without the trim V8 gave back the burst's heap (${mb(kept.heapTotal)} left): the trim may be needless`);
    });

    it("keeps the request path's optimized code through the collection after traffic; the reducing one drops it", async function () {
      this.timeout(60_000);
      type Report = { before: boolean; after: boolean };
      const collect = (collection: keyof IdleCollections) =>
        runFixture<Report>(imageNode, ['--allow-natives-syntax', '--import', 'tsx', join(FIXTURES, 'code-after-idle.ts'), `--collection=${collection}`]);
      const kept = await collect('keepingCode');
      assert.deepEqual(kept, { ...kept, before: true, after: true }, 'optimized before the collection after traffic, and still after it');
      // The fixture's shapes are as short-lived as a request's: a memory-reducing collection frees them.
      const reduced = await collect('reducing');
      assert.deepEqual(reduced, { ...reduced, before: true, after: false }, 'the memory-reducing collection should drop the optimized code');
    });
  });
});
