import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processTree, treeCpuMs } from '../../bench/report/process-tree.js';

/** A child that spends `cpuMs` of CPU, then waits for stdin to close. */
function burner(cpuMs: number) {
  const script = `const end = ${cpuMs * 1000}; while (process.cpuUsage().user < end) {} process.stdout.write('done'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
  return spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
}

describe("processTree and treeCpuMs (the bench's reading of PostgreSQL's processes)", () => {
  it('lists a live child under its parent, and not once it ended', async () => {
    const child = burner(0);
    await once(child.stdout, 'data');
    assert.ok(processTree(process.pid).includes(child.pid as number));
    child.stdin.end();
    await once(child, 'exit');
    assert.ok(!processTree(process.pid).includes(child.pid as number));
  });

  it('counts the CPU of a child that already ended (a worker that lived within one step)', async () => {
    const before = treeCpuMs(process.pid);
    const child = burner(300);
    await once(child.stdout, 'data');
    child.stdin.end();
    await once(child, 'exit');
    // Reaped by now: its CPU moved into our cutime, and it is no longer in the tree.
    assert.ok(treeCpuMs(process.pid) - before >= 300, `${treeCpuMs(process.pid) - before} ms`);
  });

  it('gives NaN for a process that does not exist', () => {
    assert.ok(Number.isNaN(treeCpuMs(2 ** 22 + 1)));
    assert.deepEqual(processTree(2 ** 22 + 1), []);
  });
});
