/** How to retry an operation that may fail for a while (the Docker API restarting, say). */
export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The delay before retry number `attempt` (1-based): doubling from initialMs, capped at maxMs.
 * With `random`, the delay is spread over [0.8, 1.2] of that (Bifrost's jitter), so that
 * clients retrying together do not retry in lockstep.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random?: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return random ? base * (0.8 + 0.4 * random()) : base;
}

/**
 * Runs `op`, retrying with exponential backoff while `isTransient(error)` holds; calls
 * `onRetry` before each wait so the caller can say so in the log. Rethrows the last error.
 */
export async function withRetry<T>(
  op: () => Promise<T>,
  policy: RetryPolicy,
  isTransient: (error: unknown) => boolean,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      const delay = backoffDelay(attempt, policy.initialMs, policy.maxMs);
      onRetry(error, attempt, delay);
      await sleep(delay);
    }
  }
}
