import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { QuietSpells, startIdleMemoryTrim, youngGenerationCollection } from '../../../gateway/lifecycle/idle-memory-trim.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('idle memory trim', () => {
  it('finds the end of each busy spell once, and nothing while requests come or the node stays quiet', () => {
    let admitted = 0;
    const spells = new QuietSpells(() => admitted);
    const seen: boolean[] = [];
    const check = () => seen.push(spells.check());
    check(); // quiet since start: no spell has ended
    admitted += 5;
    check(); // busy
    admitted += 1;
    check(); // still busy
    check(); // quiet: the spell ended
    check(); // still quiet
    admitted += 1;
    check(); // busy again, however short
    check(); // ended again
    assert.deepEqual(seen, [false, false, false, true, false, false, true]);
  });

  it('runs the collection after a quiet spell that follows requests, and no more once stopped', async () => {
    let admitted = 0;
    let collections = 0;
    const trim = startIdleMemoryTrim({ admitted: () => admitted, collect: () => collections++, quietMs: 20 });
    try {
      await sleep(100);
      assert.equal(collections, 0, 'no collection before any request');
      admitted++;
      for (let waited = 0; collections === 0 && waited < 5000; waited += 10) await sleep(10);
      await sleep(150);
      assert.equal(collections, 1, 'one collection for one busy spell');
    } finally {
      trim.stop();
    }
    admitted++;
    await sleep(150);
    assert.equal(collections, 1, 'none after stop');
  });

  it('the default collection is a real young-generation collection by V8', async () => {
    const collect = youngGenerationCollection();
    assert.ok(collect, 'Node offers a collector');
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) kinds.push(entry.detail?.kind ?? -1);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      collect();
      for (let waited = 0; kinds.length === 0 && waited < 2000; waited += 10) await sleep(10);
      assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MINOR), `a minor collection was reported (kinds seen: ${kinds.join(', ')})`);
    } finally {
      observer.disconnect();
    }
  });
});
