import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Runs the real gateway entry point (gateway/main.ts through tsx) as a child process, as a
 * container would, for tests of start-up, signals and drain.
 *
 * ```ts
 * const node = await spawnGateway(config, { env: { SHUTDOWN_TIMEOUT_MS: '2000' } });
 * node.child.kill('SIGTERM');
 * const code = await node.exited;
 * ```
 */

const MAIN = resolve(import.meta.dirname, '../../gateway/main.ts');

/** A gateway child process. */
export interface SpawnedGateway {
  child: ChildProcess;
  /** The node's origin once it listens. */
  url: string;
  /** Parsed stdout log lines so far. */
  logs: Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends `signal` to the node process itself (inside its PID namespace when it runs as PID 1). */
  signal: (signal: NodeJS.Signals) => void;
}

/** How to start the child. */
export interface SpawnOptions {
  env?: Record<string, string>;
  /**
   * Runs the node as PID 1 of a PID namespace of its own (util-linux `unshare`), as in a
   * container without an init: the kernel drops any signal PID 1 has no handler for.
   */
  asPidOne?: boolean;
}

/** Writes `config` (object or text) to a temp file and returns its path. */
export function writeTempConfig(config: object | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

/** Starts the child and resolves once it logged that it listens (or rejects if it exits first). */
export async function spawnGateway(config: object | string, options: SpawnOptions = {}): Promise<SpawnedGateway> {
  const started = startGatewayProcess(config, options);
  const url = await started.listening;
  return { ...started.gateway, url };
}

/** Starts the child without waiting: for tests of a node that must refuse to start. */
export function startGatewayProcess(config: object | string, options: SpawnOptions = {}): { gateway: Omit<SpawnedGateway, 'url'>; listening: Promise<string> } {
  const node = [process.execPath, '--import', 'tsx', MAIN];
  // --kill-child: the node dies with unshare, so a failed test leaves no PID 1 behind.
  const [command, ...args] = options.asPidOne ? ['unshare', ...unprivilegedUserNamespace(), '--pid', '--fork', '--kill-child', '--', ...node] : node;
  const child = spawn(command as string, args, {
    env: { PATH: process.env.PATH ?? '', CONFIG_PATH: writeTempConfig(config), PORT: '0', HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<string>((resolveUrl, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(parsed);
      if (parsed.event === 'listening') resolveUrl(`http://127.0.0.1:${String(parsed.port)}`);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${String(code)} before listening: ${stderr}`)));
  });
  const signal = (name: NodeJS.Signals): void => {
    if (!options.asPidOne) child.kill(name);
    else process.kill(forkedChildOf(child.pid as number), name);
  };
  return { gateway: { child, logs, stderr: () => stderr, exited, signal }, listening };
}

/** A user namespace for `unshare --pid` when the tests do not run as root. */
function unprivilegedUserNamespace(): string[] {
  return process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
}

/** The process `unshare --fork` started (PID 1 inside, an ordinary PID here). */
function forkedChildOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected one process under unshare ${pid}, found ${children.length}`);
  return Number(children[0]);
}

/** GET on a fresh connection (no keep-alive pool), for probing a draining node. */
export function getFresh(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => (body += text));
      res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
