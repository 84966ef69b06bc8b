import { type Child, spawnChild, withTimeout } from './child.js';
import { imageNodeFlags } from '../../test/support/image-node-runtime.js';

/**
 * Starts the runtime libraries' memory floor (bench/library-floor/main.mjs) with the image's
 * Node flags, as a node is started. It takes no load: the bench only reads its idle RSS.
 */
export async function startLibraryFloor(): Promise<Child> {
  const { child, readyText } = spawnChild({
    name: 'library-floor',
    command: process.execPath,
    args: [...imageNodeFlags(), 'bench/library-floor/main.mjs'],
    readyLine: 'READY',
  });
  try {
    await withTimeout(readyText, 20_000, 'starting the library floor');
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

/** The floor's row in the memory table. */
export const LIBRARY_FLOOR_ROW = 'runtime libraries alone';
