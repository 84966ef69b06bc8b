import { type CancelSignal, onCancel } from '../../core/cancellation.js';

/**
 * The part every undici dispatch handler of the node shares: the request's cancellation stops
 * its transfer. undici hands the abort function over in `onConnect`, which may come after the
 * signal fired (the client left while the request waited for a connection), so both orders are
 * covered: a listener for a cancellation after the connect, a check at the connect for one before.
 */
export abstract class CancellableHandler {
  /** Stops the transfer with a reason; undici then calls `onError` with it. Set at connect. */
  protected abortTransfer: ((reason: Error) => void) | undefined;
  private stopWatching: (() => void) | undefined;

  constructor(protected readonly signal: CancelSignal) {
    if (!signal.aborted) this.stopWatching = onCancel(signal, () => this.abortTransfer?.(signal.reason as Error));
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortTransfer = abort;
    if (this.signal.aborted) abort(this.signal.reason as Error);
  }

  /** The transfer is over (or no longer wanted): its cancellation has nothing left to stop. */
  protected stopWatchingSignal(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }
}
