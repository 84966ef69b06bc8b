import type { Server } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import type { Lifecycle } from './lifecycle.js';

/** Error used to abort work still running when the drain deadline passes. */
export class ShutdownDeadlineError extends Error {
  constructor() {
    super('the node is shutting down and its drain deadline has passed');
    this.name = 'ShutdownDeadlineError';
  }
}

/** Options of a drain. */
export interface DrainOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  /** SHUTDOWN_TIMEOUT_MS: how long in-flight work may take before it is cut. */
  timeoutMs: number;
  /** How long cut requests get to write their last bytes before sockets are destroyed. */
  graceMs?: number;
}

/**
 * Drains a node: refuse new work (the app answers 503 + Connection: close once
 * `lifecycle.draining`), close idle keep-alive sockets, wait for in-flight work to finish
 * or for the deadline (then abort it: streams end with an SSE error event), and close the
 * server. Resolves when the node may exit.
 */
export async function drainServer(options: DrainOptions): Promise<{ timedOut: boolean }> {
  const { server, lifecycle, logger } = options;
  lifecycle.beginDrain();
  logger.info({ event: 'drain-start', in_flight: lifecycle.inFlight, timeout_ms: options.timeoutMs }, 'draining');
  server.closeIdleConnections();

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), options.timeoutMs);
  });
  const outcome = await Promise.race([lifecycle.whenIdle().then(() => 'idle' as const), deadline]);
  clearTimeout(timer);

  if (outcome === 'deadline') {
    logger.warn({ event: 'drain-deadline', in_flight: lifecycle.inFlight }, 'drain deadline passed; ending remaining requests');
    lifecycle.abortAll(new ShutdownDeadlineError());
    await Promise.race([lifecycle.whenIdle(), delay(options.graceMs ?? 1000)]);
  }

  await closeServer(server, options.graceMs ?? 1000);
  logger.info({ event: 'drain-done', timed_out: outcome === 'deadline' }, 'drained');
  return { timedOut: outcome === 'deadline' };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Stops listening and closes every connection; destroys stragglers after `graceMs`. */
async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forced = delay(graceMs).then(() => server.closeAllConnections());
  await Promise.race([closed, forced]);
}
