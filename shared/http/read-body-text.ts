import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { CollectBodyError, collectBody } from './collect-body.js';

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
 * UTF-8 becomes U+FFFD. This runs on every inference request: raw-body (what this replaced)
 * decoded through iconv-lite, about 15 µs a request.
 */
export async function readBodyText(req: IncomingMessage, limitBytes: number): Promise<string> {
  if (Number(req.headers['content-length']) > limitBytes) {
    req.pause();
    throw tooLarge(limitBytes);
  }
  if (req.readableEnded || req.destroyed) throw new BodyReadError('unreadable', 'the request body was already read');
  let bytes: Buffer;
  try {
    bytes = await collectBody(req, limitBytes, pause);
  } catch (error) {
    throw asBodyReadError(error, limitBytes);
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function pause(req: Readable): void {
  req.pause();
}

/** What collectBody's failure means for a request: too large, or a client that left mid-body. */
function asBodyReadError(error: unknown, limitBytes: number): BodyReadError {
  if (!(error instanceof CollectBodyError)) return new BodyReadError('unreadable', `could not read the request body: ${(error as Error).message}`);
  if (error.kind === 'too_large') return tooLarge(limitBytes);
  // Node reports a client that left mid-body as an error ("aborted", ECONNRESET) and a close.
  const cause = error.streamError;
  if (error.kind === 'closed' || cause?.code === 'ECONNRESET' || cause?.message === 'aborted') {
    return new BodyReadError('aborted', 'the client closed the request before its body ended');
  }
  return new BodyReadError('unreadable', `could not read the request body: ${cause?.message}`);
}

function tooLarge(limitBytes: number): BodyReadError {
  return new BodyReadError('too_large', `the request body is larger than the limit of ${limitBytes} bytes`);
}
