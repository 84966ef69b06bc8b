/**
 * SIGTERM and SIGINT while the node starts: stop at once, there is nothing to drain yet.
 *
 * Why a handler at all: in a container without an init (Kubernetes, `docker run` without
 * `--init`) the node is PID 1, and the kernel drops a signal that PID 1 has no handler for.
 * Until start-node.ts installs its draining handler, which is after the modules load, the
 * governance store answers and the server listens, a `docker stop` or a pod's deletion would
 * be ignored and wait out the whole stop timeout (620 s in docker-compose.yml) before SIGKILL.
 * A rollout that restarts a node caught in a restart loop met exactly that.
 *
 * This module imports nothing, so the entry point installs it before anything heavy loads.
 */

const EXIT_CODES: Readonly<Record<'SIGTERM' | 'SIGINT', number>> = { SIGTERM: 143, SIGINT: 130 };

function stopNow(signal: 'SIGTERM' | 'SIGINT'): void {
  process.stderr.write(`gateway: ${signal} while starting: stopping now (nothing to drain yet)\n`);
  // 128 + the signal's number: what a shell reports for a process ended by that signal.
  process.exit(EXIT_CODES[signal]);
}

/** Makes SIGTERM and SIGINT end the node at once, until handOverStartupSignals() is called. */
export function stopOnSignalWhileStarting(): void {
  process.on('SIGTERM', stopNow);
  process.on('SIGINT', stopNow);
}

/** Removes the start-up handlers; the caller installs its draining ones in the same tick. */
export function handOverStartupSignals(): void {
  process.off('SIGTERM', stopNow);
  process.off('SIGINT', stopNow);
}
