import { spawnChild, withTimeout } from './child.js';
import type { Target } from './target.js';

/** Starts the bare pass-through (bench/passthrough/main.ts) in front of the mock upstream. */
export async function startPassthrough(upstreamPort: number, nodeArgs: string[] = []): Promise<Target> {
  const { child, readyText } = spawnChild({
    name: 'passthrough',
    command: process.execPath,
    args: [...nodeArgs, '--import', 'tsx', 'bench/passthrough/main.ts'],
    env: { UPSTREAM_ORIGIN: `http://127.0.0.1:${upstreamPort}` },
    readyLine: 'READY',
  });
  const port = Number(await withTimeout(readyText, 20_000, 'starting the pass-through'));
  return {
    name: 'passthrough',
    origin: `http://127.0.0.1:${port}`,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-passthrough' },
    // Forwarded untouched: the upstream's own model name.
    model: 'gpt-4o-mini',
    child,
  };
}
