import type { IncomingMessage } from 'node:http';

/** Why a request body could not be read; `kind` tells the caller which answer to give. */
export class BodyReadError extends Error {
  constructor(
    /** too_large: past the limit (413). aborted: the client left mid-body. unreadable: already read, or a stream error. */
    readonly kind: 'too_large' | 'aborted' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'BodyReadError';
  }
}

/**
 * Reads a request body as UTF-8 text, at most `limitBytes` of it. A body announced larger than
 * the limit (Content-Length) is refused before a byte is read; one that grows past it while
 * read is refused there. Either way the rest is left unread and the request paused: the
 * caller closes the connection rather than drain what it will not use.
 *
 * A leading byte-order mark is dropped, as decoders do (JSON.parse would refuse it). Invalid
 * UTF-8 becomes U+FFFD. Listeners, not an async iterator: this runs on every inference
 * request, and raw-body (what this replaced) decoded through iconv-lite, about 15 µs a request.
 */
export function readBodyText(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const announced = Number(req.headers['content-length']);
    if (announced > limitBytes) {
      req.pause();
      reject(tooLarge(limitBytes));
      return;
    }
    if (req.readableEnded || req.destroyed) {
      reject(new BodyReadError('unreadable', 'the request body was already read'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        stop();
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      const text = bytes.toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    // Node reports a client that left mid-body as an error ("aborted", ECONNRESET) and a close.
    const onError = (error: Error & { code?: string }): void => {
      stop();
      reject(
        error.code === 'ECONNRESET' || error.message === 'aborted'
          ? new BodyReadError('aborted', 'the client closed the request before its body ended')
          : new BodyReadError('unreadable', `could not read the request body: ${error.message}`),
      );
    };
    const onClose = (): void => {
      stop();
      reject(new BodyReadError('aborted', 'the client closed the request before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limitBytes: number): BodyReadError {
  return new BodyReadError('too_large', `the request body is larger than the limit of ${limitBytes} bytes`);
}
