import { onCancel, type CancelSignal } from './cancellation.js';

/**
 * Bifrost's retry wait: `min(initial * 2^(retry-1), max)` times a random factor in
 * [0.8, 1.2], so that clients retrying together spread out.
 */
export function computeBackoffMs(retry: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, retry - 1);
  const base = Math.min(initialMs * 2 ** exponent, maxMs);
  return base * (0.8 + 0.4 * random());
}

/** Waits `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleepWithSignal(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const stopListening = onCancel(signal, () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
    const timer = setTimeout(() => {
      stopListening();
      resolve();
    }, ms);
  });
}
