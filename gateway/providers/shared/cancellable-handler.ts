import { type CancelSignal, onCancel } from '../../core/cancellation.js';

/** The longest delay a Node timer takes; a longer one would fire at once (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2_147_483_647;

/** Why a transfer was stopped at its attempt's deadline (a non-streamed call: headers and body together). */
export class AttemptDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the upstream answer did not arrive in full within ${deadlineMs} ms`);
    this.name = 'AttemptDeadlineError';
  }
}

/**
 * The part every undici dispatch handler of the node shares: the request's cancellation stops
 * its transfer, and so does the attempt's deadline when it has one. undici hands the abort
 * function over in `onConnect`, which may come after the signal fired or the deadline passed
 * (the request waited for a connection), so both orders are covered: a listener or timer for
 * what comes after the connect, a check at the connect for what came before.
 */
export abstract class CancellableHandler {
  /** Stops the transfer with a reason; undici then calls `onError` with it. Set at connect. */
  protected abortTransfer: ((reason: Error) => void) | undefined;
  private unwatchSignal: (() => void) | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private expiredBy: AttemptDeadlineError | undefined;

  /**
   * `deadlineMs` bounds the whole transfer, headers and body: undici's own timeouts only bound
   * the wait for headers and the gap between chunks, which a provider sending a byte now and
   * then never exceeds. One timer per transfer, cleared when it ends.
   */
  constructor(
    protected readonly signal: CancelSignal,
    deadlineMs?: number,
  ) {
    if (!signal.aborted) this.unwatchSignal = onCancel(signal, () => this.abortTransfer?.(signal.reason as Error));
    if (deadlineMs !== undefined) this.deadline = setTimeout(() => this.expire(deadlineMs), Math.min(deadlineMs, MAX_TIMER_MS)).unref();
  }

  /** undici's report of a failed transfer; also called here when the deadline passes before a connection. */
  abstract onError(error: Error): void;

  onConnect(abort: (reason?: Error) => void): void {
    this.abortTransfer = abort;
    if (this.signal.aborted) abort(this.signal.reason as Error);
    else if (this.expiredBy) abort(this.expiredBy);
  }

  /** The transfer is over (or no longer wanted): its cancellation and deadline have nothing left to stop. */
  protected stopWatching(): void {
    this.unwatchSignal?.();
    this.unwatchSignal = undefined;
    if (this.deadline !== undefined) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
  }

  /** The deadline passed: stops the transfer, or, with no connection yet, fails the request now and the transfer at its connect. */
  private expire(deadlineMs: number): void {
    this.deadline = undefined;
    const reason = new AttemptDeadlineError(deadlineMs);
    this.expiredBy = reason;
    if (this.abortTransfer) this.abortTransfer(reason);
    else this.onError(reason);
  }
}
