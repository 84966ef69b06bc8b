import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { imageNodeMajor, imageNodeRuntime } from '../../support/image-node-runtime.js';

const run = promisify(execFile);
const PROGRAM = join(import.meta.dirname, 'fixtures', 'burst-then-idle.ts');

interface BurstReport {
  peakHeapTotal: number;
  heapTotal: number;
  returnedAfterMs: number | null;
}

/** Runs the burst program under `node`, holding the anchor, and returns its report. */
async function burstThenIdle(node: string): Promise<BurstReport> {
  const args = ['--import', 'tsx', PROGRAM, '--anchor', '--watch-ms=25000'];
  const { stdout } = await run(node, args, { cwd: process.cwd(), timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as BurstReport;
}

describe('memory reducer anchor', () => {
  let imageNode: string;

  before(async function () {
    // The first run on a machine fetches the image's Node from npm (about 50 MB).
    this.timeout(5 * 60_000);
    imageNode = await imageNodeRuntime();
  });

  it(`lets V8 give back a burst's heap once idle, on the image's runtime (Node ${imageNodeMajor()})`, async function () {
    this.timeout(90_000);
    const report = await burstThenIdle(imageNode);
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    assert.ok(report.peakHeapTotal > 32 * 1048576, `the burst should have grown the heap (peak ${mb(report.peakHeapTotal)})`);
    assert.notEqual(
      report.returnedAfterMs,
      null,
      `V8 kept ${mb(report.heapTotal)} of the burst's ${mb(report.peakHeapTotal)} for 25 s of idle: its memory reducer did not run`,
    );
  });
});
