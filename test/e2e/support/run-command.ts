import { execFile } from 'node:child_process';

/** The Docker CLI the tier uses: Debian's, matching the engine (20.10), not a newer client earlier in PATH. */
export const DOCKER = process.env.E2E_DOCKER_BIN ?? '/usr/bin/docker';
/** docker-compose 1.29 from Debian (what CI installs). */
export const COMPOSE = process.env.E2E_COMPOSE_BIN ?? 'docker-compose';

/** Thrown when a command exits non-zero; carries its output for the test report. */
export class CommandError extends Error {
  constructor(
    command: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (${code}):\n${tail(stderr || stdout, 40)}`);
    this.name = 'CommandError';
  }
}

/** Runs a program without a shell and returns its stdout; throws CommandError on failure. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args as string[],
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 15 * 60_000,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          reject(new CommandError([file, ...args].join(' '), code, String(stdout), String(stderr)));
        } else {
          resolve(String(stdout));
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs the Docker CLI. */
export function docker(args: readonly string[], options?: Parameters<typeof runCommand>[2]): Promise<string> {
  return runCommand(DOCKER, args, options);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
