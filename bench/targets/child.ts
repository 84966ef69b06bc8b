import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the bench keeps logs, configs and profiles (git-ignored). */
export const WORK_DIR = join(process.cwd(), 'bench', '.work');

/** The file a child's output goes to (stdout and stderr), by the name it was spawned with. */
export function childLogPath(name: string): string {
  return join(WORK_DIR, `${name}.log`);
}

/** A process the bench started, and how to stop it. */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start one child process. */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** A stdout line that starts with this marks readiness; the rest of the line is returned. */
  readyLine?: string;
}

/** Spawns a child with its output in bench/.work/<name>.log; the caller then waits for readiness. */
export function spawnChild(spec: ChildSpec): { child: Child; readyText: Promise<string> } {
  mkdirSync(WORK_DIR, { recursive: true });
  const log = createWriteStream(childLogPath(spec.name));
  const proc = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`cannot start ${spec.name}`);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let buffered = '';
  const readyText = new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${spec.name} exited (${code}) before it was ready; see ${childLogPath(spec.name)}`)));
    proc.stdout?.on('data', (data: Buffer) => {
      if (!spec.readyLine) return;
      buffered += data.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (line.startsWith(spec.readyLine)) resolve(line.slice(spec.readyLine.length).trim());
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  });
  // Callers that wait on something else never look at readyText: keep its rejection handled.
  readyText.catch(() => undefined);
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const child: Child = {
    name: spec.name,
    pid: proc.pid,
    process: proc,
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return { child, readyText };
}

/** Polls `url` every `pollMs` until it answers 2xx, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, init?: RequestInit, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = `status ${res.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${lastError}`);
}

/** Rejects if `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
