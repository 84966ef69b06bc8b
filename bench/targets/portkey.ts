import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnChild, waitForHttp } from './child.js';
import { findFreePort, type Target } from './target.js';

/** The installed Portkey gateway's version and its server script (the package's bin). */
export function locatePortkey(): { version: string; script: string } {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('@portkey-ai/gateway/package.json');
  const manifest = require(manifestPath) as { version: string; bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (Object.values(manifest.bin)[0] ?? 'build/start-server.js');
  return { version: manifest.version, script: join(dirname(manifestPath), bin) };
}

// Portkey has no SIGTERM handler; this one lets it exit normally so --cpu-prof can write.
const EXIT_ON_SIGTERM = 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))';

/** Starts Portkey's open-source gateway (headless) routed to the upstream by its custom-host header. */
export async function startPortkey(upstreamPort: number, nodeArgs: string[] = []): Promise<Target> {
  const port = await findFreePort();
  const { script } = locatePortkey();
  const { child } = spawnChild({
    name: 'portkey',
    command: process.execPath,
    args: [...nodeArgs, '--import', EXIT_ON_SIGTERM, script, `--port=${port}`, '--headless'],
    env: { NODE_ENV: 'production' },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/`, 30_000);
  return {
    name: 'portkey',
    origin,
    path: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer sk-bench-portkey',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort}/v1`,
    },
    model: 'gpt-4o-mini',
    child,
  };
}
