import { EventEmitter } from 'node:events';

/**
 * What a request's work watches to stop early: it aborts when the client leaves or the drain
 * deadline passes. undici takes it as a request's `signal` (an EventEmitter with `aborted`
 * and `reason`), and so does our own waiting (limiter, retry backoff).
 *
 * Deliberately not an AbortSignal: on Node 20 every AbortSignal survives young-generation
 * GCs and is promoted, so one per request made each scavenge copy every in-flight request
 * and pause the node for milliseconds (bench/micro/abort-signal.ts measures it).
 */
export interface CancelSignal extends EventEmitter {
  readonly aborted: boolean;
  /** Why it aborted (an Error); undefined until then. */
  readonly reason: unknown;
}

/** The owner's side of a CancelSignal: the one place that can abort it. */
export class Cancellation extends EventEmitter implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;

  /** Aborts once with `reason` and tells every listener; later calls do nothing. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** Runs `listener` once when `signal` aborts; returns the function that stops listening. */
export function onCancel(signal: CancelSignal, listener: () => void): () => void {
  signal.once('abort', listener);
  return () => {
    signal.removeListener('abort', listener);
  };
}
