import assert from 'node:assert/strict';
import { StatementBatcher } from '../../../gateway/governance/store/statement-batcher.js';

/** A store whose statements finish when the test says so, recording each batch it was sent. */
function manualStore() {
  const batches: number[][] = [];
  const pending: { resolve: (results: string[]) => void; reject: (error: Error) => void; jobs: readonly number[] }[] = [];
  const send = (jobs: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push([...jobs]);
      pending.push({ resolve, reject, jobs });
    });
  const answer = () => {
    const next = pending.shift();
    assert.ok(next, 'a statement is in flight');
    next.resolve(next.jobs.map((job) => `result ${job}`));
  };
  const fail = (message: string) => {
    const next = pending.shift();
    assert.ok(next, 'a statement is in flight');
    next.reject(new Error(message));
  };
  return { send, batches, answer, fail, inFlight: () => pending.length };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('sends a lone job at once and answers it', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send);
    const answer = batcher.submit(1);
    await tick();
    assert.deepEqual(store.batches, [[1]]);
    store.answer();
    assert.equal(await answer, 'result 1');
  });

  it('keeps one statement in flight and sends what arrived meanwhile together, in order', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send);
    const first = batcher.submit(1);
    await tick();
    const later = [2, 3, 4].map((job) => batcher.submit(job));
    await tick();
    assert.equal(store.inFlight(), 1, 'the later jobs wait for the statement in flight');
    store.answer();
    await tick();
    assert.deepEqual(store.batches, [[1], [2, 3, 4]]);
    store.answer();
    assert.deepEqual(await Promise.all([first, ...later]), ['result 1', 'result 2', 'result 3', 'result 4']);
  });

  it('puts jobs submitted in the same tick in one statement', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send);
    const answers = [1, 2, 3].map((job) => batcher.submit(job));
    await tick();
    assert.deepEqual(store.batches, [[1, 2, 3]]);
    store.answer();
    assert.deepEqual(await Promise.all(answers), ['result 1', 'result 2', 'result 3']);
  });

  it('bounds a statement to maxJobs and sends the rest next', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send, { maxJobs: 2 });
    const answers = [1, 2, 3, 4, 5].map((job) => batcher.submit(job));
    await tick();
    store.answer();
    await tick();
    store.answer();
    await tick();
    store.answer();
    assert.deepEqual(store.batches, [[1, 2], [3, 4], [5]]);
    assert.equal((await Promise.all(answers)).length, 5);
  });

  it('rejects every job of a failed statement, and the next statement still runs', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send);
    const failed = [1, 2].map((job) => batcher.submit(job));
    await tick();
    const after = batcher.submit(3);
    store.fail('connection reset');
    for (const job of failed) await assert.rejects(job, /connection reset/);
    await tick();
    store.answer();
    assert.equal(await after, 'result 3');
  });

  it('rejects the jobs a store left unanswered instead of leaving them hanging', async () => {
    const batcher = new StatementBatcher<number, string>(async () => ['only one']);
    const [first, second] = [batcher.submit(1), batcher.submit(2)];
    assert.equal(await first, 'only one');
    await assert.rejects(second, /answered 1 result\(s\) for a batch of 2/);
  });

  it('rejects the jobs when the statement throws before it is sent', async () => {
    const batcher = new StatementBatcher<number, string>(() => {
      throw new Error('pool is closed');
    });
    await assert.rejects(batcher.submit(1), /pool is closed/);
  });

  it('lets a job that may wait ride with the next statement', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send, { maxWaitMs: 60_000 });
    const correction = batcher.submit(1, { mayWait: true });
    await tick();
    assert.deepEqual(store.batches, [], 'nothing sent for the correction alone');
    const request = batcher.submit(2);
    await tick();
    assert.deepEqual(store.batches, [[1, 2]]);
    store.answer();
    assert.deepEqual(await Promise.all([correction, request]), ['result 1', 'result 2']);
  });

  it('sends a waiting job alone when no statement comes within maxWaitMs', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send, { maxWaitMs: 5 });
    const correction = batcher.submit(1, { mayWait: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(store.batches, [[1]]);
    store.answer();
    assert.equal(await correction, 'result 1');
  });

  it('flush sends what waits and resolves once everything is answered', async () => {
    const store = manualStore();
    const batcher = new StatementBatcher(store.send, { maxWaitMs: 60_000 });
    const correction = batcher.submit(1, { mayWait: true });
    let flushed = false;
    const flushing = batcher.flush().then(() => {
      flushed = true;
    });
    await tick();
    assert.deepEqual(store.batches, [[1]]);
    assert.equal(flushed, false, 'not before the statement is answered');
    store.answer();
    await flushing;
    assert.equal(await correction, 'result 1');
  });
});
