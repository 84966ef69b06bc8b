import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild, waitForHttp, WORK_DIR } from './child.js';
import { imageNodeFlags } from '../../test/support/image-node-runtime.js';
import { findFreePort, type Target } from './target.js';

/** The built entry of a gateway node (`npm run build` makes it). */
export const GATEWAY_ENTRY = join(process.cwd(), 'dist', 'gateway', 'main.js');

/** A config.json with one OpenAI provider whose base URL is the mock upstream, plus any extra top-level sections. */
export function buildGatewayConfig(upstreamPort: number, extraSections: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      ...extraSections,
      providers: {
        openai: {
          keys: [{ name: 'bench', value: 'env.BENCH_OPENAI_KEY', models: ['*'], weight: 1 }],
          network_config: { base_url: `http://127.0.0.1:${upstreamPort}`, default_request_timeout_in_seconds: 30 },
          concurrency_and_buffer_size: { concurrency: 1000, buffer_size: 5000 },
        },
      },
      config_store: { enabled: false },
    },
    null,
    2,
  );
}

/** Options of one gateway node run. */
export interface GatewayNodeOptions {
  upstreamPort: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another build's main.js, to compare two builds (default dist/gateway/main.js). */
  entry?: string;
  name?: string;
  /** How often to poll /health while it starts (default 100 ms; start-up timing polls faster). */
  readyPollMs?: number;
  /** Extra config.json sections (governance, logs_store). */
  extraConfig?: Record<string, unknown>;
  /** Extra environment of the node. */
  env?: Record<string, string>;
  /** Extra headers every request to it carries (a virtual key). */
  headers?: Record<string, string>;
}

/** Starts one gateway node from dist/ as a child process and waits for /health. */
export async function startGatewayNode(options: GatewayNodeOptions): Promise<Target> {
  const entry = options.entry ?? GATEWAY_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const name = options.name ?? 'gateway';
  mkdirSync(WORK_DIR, { recursive: true });
  const configPath = join(WORK_DIR, `${name}-config.json`);
  writeFileSync(configPath, buildGatewayConfig(options.upstreamPort, options.extraConfig));
  const port = await findFreePort();
  const { child } = spawnChild({
    name,
    command: process.execPath,
    args: [...imageNodeFlags(), ...(options.nodeArgs ?? []), entry],
    env: {
      CONFIG_PATH: configPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      BENCH_OPENAI_KEY: 'sk-bench-gateway',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...options.env,
    },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/health`, 30_000, undefined, options.readyPollMs);
  return {
    name,
    origin,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...options.headers },
    model: 'openai/gpt-4o-mini',
    child,
  };
}
