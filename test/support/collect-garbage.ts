import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Runs a full garbage collection, for tests that check what the code still holds (WeakRef). Node
 * gives `gc` only to a process started with --expose-gc; setting the flag at run time makes it
 * available to contexts created afterwards. Waits a macrotask first: a WeakRef's target stays
 * alive until the job that made or read it ends.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}
