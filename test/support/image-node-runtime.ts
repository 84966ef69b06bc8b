import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writableTestCacheDir } from './test-cache-dir.js';

const run = promisify(execFile);

/** The Node major version the gateway image runs: NODE_IMAGE's default in gateway/Dockerfile. */
export function imageNodeMajor(dockerfile = join(process.cwd(), 'gateway', 'Dockerfile')): number {
  const match = /ARG NODE_IMAGE=node:(\d+)/.exec(readFileSync(dockerfile, 'utf8'));
  if (!match?.[1]) throw new Error(`${dockerfile} names no node:<major> NODE_IMAGE default`);
  return Number(match[1]);
}

/**
 * The Node flags the gateway image runs with, NODE_OPTIONS and the CMD's own (gateway/Dockerfile),
 * so that the bench measures the node as users run it (e.g. `--v8-pool-size=2`, which lowers idle
 * memory, and `--no-memory-reducer`).
 */
export function imageNodeFlags(dockerfile = join(process.cwd(), 'gateway', 'Dockerfile')): string[] {
  const text = readFileSync(dockerfile, 'utf8');
  const options = /NODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(text);
  const fromOptions = (options?.[1] ?? options?.[2] ?? '').split(/\s+/);
  const command = /^CMD\s+(\[.*\])\s*$/m.exec(text);
  const fromCommand = command?.[1] ? (JSON.parse(command[1]) as string[]) : [];
  return [...fromOptions, ...fromCommand].filter((flag) => flag.startsWith('--'));
}

/**
 * A `node` binary of the image's major version, for tests of behaviour that differs between
 * runtimes (the code runs on Node 20 and 24). This process's own when it is that version;
 * otherwise npm's `node-<platform>-<arch>` package of it (no container registry is reachable on
 * the machines this project is built on, but npm's is), fetched once and cached in
 * E2E_CACHE_DIR (default /var/cache/ai-gateway-e2e, or the temp dir where that is not writable).
 */
export async function imageNodeRuntime(): Promise<string> {
  const major = imageNodeMajor();
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const packageName = `node-${process.platform}-${process.arch}`;
  const cache = writableTestCacheDir();
  const home = join(cache, `${packageName}-${major}`);
  const binary = join(home, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;

  const work = mkdtempSync(join(cache, `${packageName}-`));
  try {
    await run('npm', ['pack', `${packageName}@${major}`, '--pack-destination', work, '--silent'], { timeout: 5 * 60_000 });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${packageName}@${major} left no tarball`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work]);
    rmSync(join(work, tarball));
    // Renamed whole, so a run cut short never leaves a half-extracted runtime behind.
    renameSync(work, home);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    // Another test process may have fetched it meanwhile.
    if (!existsSync(binary)) throw error;
  }
  return binary;
}
