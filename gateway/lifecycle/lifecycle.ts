import type { Cancellation } from '../core/cancellation.js';

/** The node's state as /health reports it. */
export type LifecycleState = 'ok' | 'draining';

/**
 * Tracks the node's serving state and its in-flight work: accepted inference requests and
 * open streams. Drain (SIGTERM) flips the state, waits for the work to reach zero, and at
 * the deadline aborts what is left so that streams can end with an error event.
 */
export class Lifecycle {
  private current: LifecycleState = 'ok';
  private readonly active = new Set<Cancellation>();
  private idleWaiters: (() => void)[] = [];
  private admittedTotal = 0;
  readonly startedAt = Date.now();

  constructor(private readonly onCountChange?: (count: number) => void) {}

  /** 'ok' while serving, 'draining' after drain began. */
  get state(): LifecycleState {
    return this.current;
  }

  get draining(): boolean {
    return this.current === 'draining';
  }

  /** Accepted inference requests and open streams. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Inference requests accepted since the node started (grows by one with each admit). */
  get admitted(): number {
    return this.admittedTotal;
  }

  /**
   * Counts one request in until the returned function is called. `cancellation` is aborted if
   * the drain deadline passes while the request is still running.
   */
  admit(cancellation: Cancellation): () => void {
    this.admittedTotal++;
    this.active.add(cancellation);
    this.onCountChange?.(this.active.size);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active.delete(cancellation);
      this.onCountChange?.(this.active.size);
      if (this.active.size === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    };
  }

  /** Starts draining: /health turns 503 and new work is refused. */
  beginDrain(): void {
    this.current = 'draining';
  }

  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts every request still in flight (the drain deadline passed). */
  abortAll(reason: Error): void {
    for (const cancellation of this.active) cancellation.abort(reason);
  }
}
