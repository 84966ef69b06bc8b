import { spawnChild, withTimeout } from './child.js';
import type { Target } from './target.js';

/** Starts the mock OpenAI upstream in its own process; the "direct" target points at it. */
export async function startUpstream(): Promise<{ target: Target; port: number }> {
  const { child, readyText } = spawnChild({
    name: 'upstream',
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/upstream/main.ts'],
    readyLine: 'READY',
  });
  const port = Number(await withTimeout(readyText, 20_000, 'starting the upstream'));
  const target: Target = {
    name: 'direct',
    origin: `http://127.0.0.1:${port}`,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-direct' },
    model: 'gpt-4o-mini',
    child,
  };
  return { target, port };
}
