/** The default deadline of one Docker call other than a stop (RELOADER_DOCKER_TIMEOUT_MS). */
export const DEFAULT_DOCKER_CALL_TIMEOUT_MS = 5000;

/** One Docker API call that got no answer within its deadline (a hung engine or socket proxy). */
export class DockerCallTimeoutError extends Error {
  /** Counted as a transient network failure: retried, then reported as the API being unavailable. */
  readonly code = 'ETIMEDOUT';

  constructor(operation: string, timeoutMs: number) {
    super(`Docker API ${operation}: no answer within ${timeoutMs} ms`);
    this.name = 'DockerCallTimeoutError';
  }
}

/**
 * Runs one Docker call with a deadline. The call gets an AbortSignal that fires at the deadline
 * (dockerode then closes the request's socket), and the wait ends then even if the call never
 * settles. The client's own timeout is an idle-socket one, per attempt, sized for a stop: left
 * alone, a read from an API that accepts connections but never answers would wait that long.
 */
export async function withDeadline<T>(operation: string, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DockerCallTimeoutError(operation, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
