import type { Readable } from 'node:stream';

/** Why collectBody gave up: past the limit, an error of the stream, or a close before its end. */
export class CollectBodyError extends Error {
  constructor(
    readonly kind: 'too_large' | 'error' | 'closed',
    /** The stream's own error, for kind 'error'. */
    readonly streamError?: Error & { code?: string },
  ) {
    super(kind === 'too_large' ? 'the body is larger than the limit' : kind === 'error' ? `the body failed: ${streamError?.message}` : 'the body ended early');
    this.name = 'CollectBodyError';
  }
}

/**
 * Collects a whole body (a request's or an upstream answer's) as bytes, at most `limitBytes` of
 * it. Past the limit, `onTooLarge` runs on the stream at once (destroy it, or pause it and close
 * the connection), before anything more is read; the promise then rejects with 'too_large'. An
 * error of the stream rejects with 'error', a close without an end with 'closed'.
 *
 * Listeners rather than `for await`: an async iterator costs a promise and a microtask per chunk
 * and an end-of-stream watcher per body, and this runs twice on every JSON request. The error
 * listener stays after the body settled: a stream destroyed past the limit may still emit one
 * (undici's body emits an AbortError), which would otherwise be thrown.
 */
export function collectBody(stream: Readable, limitBytes: number, onTooLarge: (stream: Readable) => void): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // The error is built only when it settles the promise: an Error captures a stack trace,
    // which costs tens of microseconds, and every body closes after its end.
    const fail = (kind: CollectBodyError['kind'], streamError?: Error): void => {
      if (settled) return;
      settled = true;
      reject(new CollectBodyError(kind, streamError));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        stream.off('data', onData);
        onTooLarge(stream);
        fail('too_large');
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(joinChunks(chunks, size));
    });
    stream.once('error', (error: Error) => fail('error', error));
    // Every body closes; this only settles what neither its end nor an error did.
    stream.once('close', () => fail('closed'));
  });
}

/** The chunks of a body as one Buffer (`size` bytes in all); a single chunk is returned as is, not copied. */
export function joinChunks(chunks: readonly Buffer[], size: number): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}
