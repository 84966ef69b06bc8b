import { onCancel, type CancelSignal } from './cancellation.js';
import { GatewayError } from './errors.js';

/** Gives back a slot taken with `acquire`. Calling it twice is harmless. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

/** Limits of one provider's limiter. */
export interface LimiterOptions {
  provider: string;
  /** Requests in flight at once (`concurrency_and_buffer_size.concurrency`). */
  concurrency: number;
  /** Requests allowed to wait beyond that (`buffer_size`). */
  bufferSize: number;
  /** `client.drop_excess_requests`: refuse (429) instead of waiting once the buffer is full. */
  dropExcess: boolean;
}

/**
 * A provider's concurrency limit with a FIFO waiting line. Beyond `concurrency` in flight a
 * request waits; beyond `buffer_size` waiting it is refused with 429 when
 * `drop_excess_requests` is set, and otherwise waits anyway (Bifrost blocks). A waiter
 * whose client goes away leaves the line at once.
 */
export class ConcurrencyLimiter {
  private active = 0;
  // A Set keeps insertion order and deletes in O(1): FIFO with cheap removal of quitters.
  private readonly waiting = new Set<Waiter>();

  constructor(private readonly options: LimiterOptions) {}

  /** Requests currently holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests currently waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /**
   * Takes a free slot now, or returns undefined when the caller would have to wait (or its
   * signal has aborted): the common case costs no promise. `acquire` does the rest.
   */
  tryAcquire(signal: CancelSignal): ReleaseSlot | undefined {
    if (signal.aborted || this.active >= this.options.concurrency || this.waiting.size > 0) return undefined;
    this.active++;
    return this.createRelease();
  }

  /** Takes a slot, waiting if needed; rejects with 429 (queue full) or the signal's reason. */
  acquire(signal: CancelSignal): Promise<ReleaseSlot> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const free = this.tryAcquire(signal);
    if (free) return Promise.resolve(free);
    if (this.options.dropExcess && this.waiting.size >= this.options.bufferSize) {
      return Promise.reject(
        new GatewayError('queue_full', `provider "${this.options.provider}" is at its concurrency limit and its queue is full; retry later`, {
          provider: this.options.provider,
        }),
      );
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          stopListening();
          resolve(release);
        },
      };
      const stopListening = onCancel(signal, () => {
        this.waiting.delete(waiter);
        reject(signal.reason as Error);
      });
      this.waiting.add(waiter);
    });
  }

  private createRelease(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.grantNext();
    };
  }

  private grantNext(): void {
    while (this.active < this.options.concurrency) {
      const next = this.waiting.values().next();
      if (next.done) return;
      this.waiting.delete(next.value);
      this.active++;
      next.value.grant(this.createRelease());
    }
  }
}
