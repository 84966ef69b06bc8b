import { v8Collector } from '../../gateway/lifecycle/idle-memory-trim.js';

/**
 * Runs a full garbage collection, for tests that check what the code still holds (WeakRef).
 * Waits a macrotask first: a WeakRef's target stays alive until the job that made or read it ends.
 */
export async function collectGarbage(): Promise<void> {
  const gc = v8Collector();
  if (!gc) throw new Error('this runtime offers no garbage collector to call');
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}
