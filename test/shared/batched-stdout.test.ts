import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BatchedStdout, type WriteFd } from '../../shared/batched-stdout.js';

const run = promisify(execFile);

/** A pipe that records each write; `room` plays how many more bytes it takes before it is full. */
class FakePipe {
  readonly writes: string[] = [];
  room = Number.POSITIVE_INFINITY;
  failure: NodeJS.ErrnoException | undefined;
  readonly writeFd: WriteFd = (_fd, buffer) => {
    if (this.failure) throw this.failure;
    if (this.room === 0) throw Object.assign(new Error('write EAGAIN'), { code: 'EAGAIN' });
    const taken = Math.min(this.room, buffer.length);
    this.room -= taken;
    this.writes.push(buffer.subarray(0, taken).toString());
    return taken;
  };
  get text(): string {
    return this.writes.join('');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const line = (n: number) => `{"level":"info","n":${n}}\n`;

function batcher(pipe: FakePipe, overrides: Partial<{ batchChars: number; flushAfterMs: number; maxBacklogBytes: number }> = {}) {
  return new BatchedStdout({
    batchChars: 1000,
    flushAfterMs: 40,
    maxBacklogBytes: 10_000,
    writeFd: pipe.writeFd,
    now: () => Date.UTC(2026, 11, 4),
    ...overrides,
  });
}

describe('BatchedStdout (the log destination)', () => {
  it('writes a few lines together, in order, once the flush interval has passed', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe);
    out.write(line(1));
    out.write(line(2));
    out.write(line(3));
    assert.deepEqual(pipe.writes, [], 'nothing before the interval');
    await sleep(120);
    assert.deepEqual(pipe.writes, [line(1) + line(2) + line(3)]);
  });

  it('writes a full batch at once, without waiting for the interval', () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { batchChars: 60, flushAfterMs: 60_000 });
    for (let n = 1; n <= 5; n++) out.write(line(n));
    // Each line is 25 characters: the third fills a batch of 60.
    assert.deepEqual(pipe.writes, [line(1) + line(2) + line(3)]);
    out.writePending();
    assert.deepEqual(pipe.writes, [line(1) + line(2) + line(3), line(4) + line(5)]);
  });

  it('writes nothing at all while there is nothing to write', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe);
    out.write(line(1));
    await sleep(100);
    assert.equal(pipe.writes.length, 1);
    await sleep(200);
    out.writePending();
    assert.equal(pipe.writes.length, 1, 'no empty writes when idle');
  });

  it('keeps what a full pipe did not take, and writes it, in order, once the pipe has room', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { batchChars: 1 });
    pipe.room = 30;
    out.write(line(1));
    out.write(line(2));
    assert.equal(pipe.text, (line(1) + line(2)).slice(0, 30), 'the event loop is not blocked on a full pipe');
    pipe.room = Number.POSITIVE_INFINITY;
    await sleep(50);
    out.write(line(3));
    assert.equal(pipe.text, line(1) + line(2) + line(3));
  });

  it('drops and counts whole batches while the reader lags past the bound, and says so once it catches up', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { batchChars: 1, maxBacklogBytes: 40 });
    pipe.room = 0;
    out.write(line(1));
    out.write(line(2));
    out.write(line(3));
    out.write(line(4));
    assert.equal(pipe.text, '');
    pipe.room = Number.POSITIVE_INFINITY;
    await sleep(50);
    out.write(line(5));
    const [first, second, notice, fifth] = pipe.text.trim().split('\n');
    assert.deepEqual([first, second], [line(1).trim(), line(2).trim()], 'the backlog within the bound is kept');
    assert.deepEqual(JSON.parse(notice as string), {
      level: 'warn',
      time: '2026-12-04T00:00:00.000Z',
      event: 'log-lines-dropped',
      count: 2,
      msg: "log lines dropped: the log's reader fell behind",
    });
    assert.equal(fifth, line(5).trim());
    out.write(line(6));
    assert.ok(pipe.text.endsWith(line(5) + line(6)), 'the count restarts');
  });

  it('keeps the program running when the reader is gone (EPIPE), dropping lines', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { batchChars: 1 });
    pipe.failure = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    out.write(line(1));
    pipe.failure = undefined;
    out.write(line(2));
    assert.deepEqual(pipe.writes, []);
    await new Promise<void>((resolve) => out.flush(() => resolve()));
  });

  it('flush calls back once the pipe took what was waiting (a clean exit waits for it)', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { flushAfterMs: 60_000 });
    out.write(line(1));
    await new Promise<void>((resolve) => out.flush(() => resolve()));
    assert.equal(pipe.writes[0], line(1));
  });

  it('flush waits for a full pipe to take the rest', async () => {
    const pipe = new FakePipe();
    const out = batcher(pipe, { flushAfterMs: 60_000 });
    pipe.room = 0;
    out.write(line(1));
    let called = false;
    out.flush(() => {
      called = true;
    });
    await sleep(30);
    assert.equal(called, false);
    pipe.room = Number.POSITIVE_INFINITY;
    await sleep(50);
    assert.equal(called, true);
    assert.equal(pipe.text, line(1));
  });

  for (const ending of ['process.exit(3)', "throw new Error('boom')"]) {
    it(`gets every line of a program out on stdout when it ends with ${ending}`, async function () {
      this.timeout(20_000);
      const logger = new URL('../../shared/logger.ts', import.meta.url).href;
      const script = `
        const { createLogger } = await import(${JSON.stringify(logger)});
        const log = createLogger();
        for (let n = 0; n < 2000; n++) log.info({ n }, 'line');
        ${ending};`;
      const ended = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() }).then(
        (done) => ({ stdout: done.stdout, code: 0 }),
        (error: { stdout: string; code: number }) => error,
      );
      assert.notEqual(ended.code, 0);
      const numbers = ended.stdout
        .trim()
        .split('\n')
        .map((text) => (JSON.parse(text) as { n: number }).n);
      assert.deepEqual(
        numbers,
        Array.from({ length: 2000 }, (_, n) => n),
      );
    });
  }
});
