import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for the tests, on a throw-away data directory and a loopback port.
 * Uses the server binaries of Debian's `postgresql` package (`.ci/run` installs it where it is
 * missing). PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
 * user. The server can be stopped and started again on the same data, as a database outage.
 */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  /** The superuser connection string for a database (default `postgres`). */
  url(database?: string): string;
  /** Creates a database (UTF8 unless told otherwise) and returns its name. */
  createDatabase(name: string, encoding?: string): Promise<string>;
  /** Stops the server (fast shutdown), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
  /** The postmaster's pid while the server runs (every backend is its child), else undefined. */
  pid(): number | undefined;
}

const USER = 'postgres';

/** The newest installed server's bin directory, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions.find((v) => existsSync(join(root, v, 'bin', 'postgres')));
  if (!version) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql: apt-get install postgresql (.ci/run does)');
  return join(root, version, 'bin');
}

/** Starts a fresh PostgreSQL server on 127.0.0.1 and an unused port. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ai-gateway-pg-'));
  const data = join(dir, 'data');
  // As root, every server process runs as the postgres user (set directly on the child, so
  // signals reach the server itself and not a wrapper such as runuser).
  const owner = asRoot
    ? { uid: Number(execFileSync('id', ['-u', USER]).toString().trim()), gid: Number(execFileSync('id', ['-g', USER]).toString().trim()) }
    : {};
  if (asRoot) {
    chmodSync(dir, 0o755);
    chownSync(dir, owner.uid as number, owner.gid as number);
  }
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], { stdio: 'pipe', ...owner });
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    // fsync off and a small shared buffer: a test database, thrown away after the run.
    const args = [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ];
    const started = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...owner });
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
    child = started;
    await waitUntilAccepting(port, started, () => stderr);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // SIGINT is PostgreSQL's fast shutdown: open connections are closed, as in an outage.
    running.kill('SIGINT');
    await exited;
  };

  await start();
  const url = (database = 'postgres') => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    url,
    async createDatabase(name, encoding = 'UTF8') {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" ENCODING '${encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
      } finally {
        await client.end();
      }
      return name;
    },
    stop,
    start,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilAccepting(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${stderr()}`);
    const client = new pg.Client({ connectionString: `postgres://${USER}@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
