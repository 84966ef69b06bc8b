import type { Dispatcher } from 'undici';
import { joinChunks } from '../../../shared/http/collect-body.js';
import type { CancelSignal } from '../../core/cancellation.js';
import { CancellableHandler } from './cancellable-handler.js';

/** A whole upstream response: its status, its raw header list and its body's bytes. */
export interface WholeResponse {
  statusCode: number;
  /** undici's raw list: name, value, name, value... (see `headerOf`). */
  rawHeaders: Buffer[];
  body: Buffer;
}

/** The options of one request: undici's dispatch options plus the request's cancellation. */
export interface WholeRequestOptions extends Dispatcher.DispatchOptions {
  signal: CancelSignal;
}

/** An answer that grew past the limit; the transfer was stopped there. */
export class ResponseTooLargeError extends Error {
  constructor(readonly statusCode: number) {
    super('the response body is larger than the limit');
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * Sends a request and collects its whole answer, at most `limitBytes` of body, straight from
 * undici's dispatcher. The request API (`dispatcher.request`) would wrap each answer in a
 * Readable stream, an AsyncResource and their listeners, only for the node to read the stream
 * to its end: about 15% of the node's undici work on a JSON request (bench/profile-notes.md).
 * Streamed answers have their own reader (streamed-response.ts).
 *
 * Rejects with undici's error for a failed transfer (unreachable, timed out, cut short), the
 * signal's reason once it aborted, ResponseTooLargeError past the limit, or AttemptDeadlineError
 * when `deadlineMs` (if given) passed before the answer's end.
 */
export function requestWhole(dispatcher: Dispatcher, options: WholeRequestOptions, limitBytes: number, deadlineMs?: number): Promise<WholeResponse> {
  return new Promise<WholeResponse>((resolve, reject) => {
    dispatcher.dispatch(options, new WholeResponseHandler(options.signal, limitBytes, resolve, reject, deadlineMs));
  });
}

/**
 * undici's handler for one request, in the callback form (onConnect, onHeaders, onData,
 * onComplete, onError) its own request API uses: undici 7 turns the newer form into this one.
 */
class WholeResponseHandler extends CancellableHandler implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    signal: CancelSignal,
    private readonly limitBytes: number,
    private readonly resolve: (response: WholeResponse) => void,
    private readonly reject: (error: unknown) => void,
    deadlineMs: number | undefined,
  ) {
    super(signal, deadlineMs);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx (Continue, Early Hints) come before the answer; the answer's own headers follow.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.limitBytes) {
      // undici calls onError with this reason; nothing more of the answer is read.
      this.abortTransfer?.(new ResponseTooLargeError(this.statusCode));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settle()) return;
    this.resolve({ statusCode: this.statusCode, rawHeaders: this.rawHeaders, body: joinChunks(this.chunks, this.size) });
  }

  onError(error: Error): void {
    if (this.settle()) return;
    this.reject(error);
  }

  /** Marks the request settled; true when it already was. */
  private settle(): boolean {
    if (this.settled) return true;
    this.settled = true;
    this.stopWatching();
    return false;
  }
}
