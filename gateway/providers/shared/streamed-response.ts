import type { Dispatcher } from 'undici';
import type { CancelSignal } from '../../core/cancellation.js';
import { CancellableHandler } from './cancellable-handler.js';
import type { WholeRequestOptions } from './whole-response.js';

/**
 * An upstream body read as it arrives: the chunks in order, then the end, or the transfer's
 * error. A Readable fits this shape too (tests feed fixtures that way).
 */
export interface UpstreamBody extends AsyncIterable<Buffer> {
  /** Stops the transfer (the reader left early); does nothing once it ended. */
  destroy(): void;
  readonly destroyed: boolean;
}

/** An answer whose headers arrived; its body still streams. */
export interface StreamedResponse {
  statusCode: number;
  /** undici's raw list: name, value, name, value... */
  rawHeaders: Buffer[];
  body: UpstreamBody;
}

/**
 * Bytes held for a reader that is behind before the transfer is paused. undici then stops
 * reading the socket and TCP slows the provider: a slow client cannot make the node buffer a
 * whole answer. The same bound as the request API's stream (a Readable's default high-water mark).
 */
const PAUSE_ABOVE_BYTES = 64 * 1024;

/**
 * Sends a request and resolves once the answer's headers arrived, with its body to read as it
 * arrives, straight from undici's dispatcher. The request API (`dispatcher.request`) would
 * put every chunk of every stream through a Readable stream and its events, and the node's
 * reader through the Readable's async iterator: the node spent about 80 µs more on a stream of
 * ten chunks (A/B at 500 streams/s, bench/profile-notes.md).
 *
 * Rejects with undici's error when no answer came (unreachable, timed out) or the signal's
 * reason once it aborted. After that, a failure of the transfer (cut short, the body timeout,
 * the signal) is thrown by the body's iterator. `deadlineMs`, for an answer read whole (not a
 * stream), bounds headers and body together (AttemptDeadlineError).
 */
export function requestStreamed(dispatcher: Dispatcher, options: WholeRequestOptions, deadlineMs?: number): Promise<StreamedResponse> {
  return new Promise<StreamedResponse>((resolve, reject) => {
    dispatcher.dispatch(options, new StreamedResponseHandler(options.signal, resolve, reject, deadlineMs));
  });
}

/** A reader waiting for the next chunk. */
interface PendingRead {
  resolve: (result: IteratorResult<Buffer>) => void;
  reject: (error: unknown) => void;
}

/**
 * undici's handler for one streamed answer, in the callback form its own request API uses
 * (see whole-response.ts), and the answer's body: chunks wait in a queue for the reader, or go
 * straight to a reader already waiting.
 */
class StreamedResponseHandler extends CancellableHandler implements Dispatcher.DispatchHandler, UpstreamBody, AsyncIterator<Buffer> {
  private resumeTransfer: (() => void) | undefined;
  private respond: ((response: StreamedResponse) => void) | undefined;
  private fail: ((error: unknown) => void) | undefined;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  private pending: PendingRead | undefined;
  private ended = false;
  private error: unknown;
  destroyed = false;

  constructor(signal: CancelSignal, respond: (response: StreamedResponse) => void, fail: (error: unknown) => void, deadlineMs: number | undefined) {
    super(signal, deadlineMs);
    this.respond = respond;
    this.fail = fail;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx (Continue, Early Hints) come before the answer; the answer's own headers follow.
    if (statusCode < 200) return true;
    this.resumeTransfer = resume;
    const respond = this.respond;
    this.respond = undefined;
    this.fail = undefined;
    respond?.({ statusCode, rawHeaders, body: this });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.destroyed) return true;
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      pending.resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes < PAUSE_ABOVE_BYTES) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    this.ended = true;
    this.stopWatching();
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ value: undefined, done: true });
  }

  onError(error: Error): void {
    this.stopWatching();
    if (this.fail) {
      // No answer yet: the request itself failed.
      const fail = this.fail;
      this.fail = undefined;
      this.respond = undefined;
      fail(error);
      return;
    }
    if (this.destroyed || this.ended) return;
    this.error = error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queuedBytes -= chunk.length;
      if (this.paused && this.queuedBytes < PAUSE_ABOVE_BYTES / 2) {
        this.paused = false;
        this.resumeTransfer?.();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended || this.destroyed) return Promise.resolve({ value: undefined, done: true });
    return new Promise<IteratorResult<Buffer>>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** A `for await` left early (break, throw): the rest of the answer is not wanted. */
  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.stopWatching();
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ value: undefined, done: true });
    if (!this.ended && this.error === undefined) this.abortTransfer?.(new BodyAbandonedError());
  }
}

/** The reason a transfer was stopped because its reader left. */
class BodyAbandonedError extends Error {
  constructor() {
    super('the reader stopped reading the upstream body');
    this.name = 'BodyAbandonedError';
  }
}
