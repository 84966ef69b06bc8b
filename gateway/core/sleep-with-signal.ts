import { onCancel, type CancelSignal } from './cancellation.js';

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
