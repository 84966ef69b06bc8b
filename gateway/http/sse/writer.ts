import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';

/**
 * Streamed responses, written straight to the socket as chunks arrive. Koa's response
 * handling is bypassed (`ctx.respond = false`) so nothing buffers a stream.
 */

/** How long a stream's headers wait for its first event to leave with it. */
const HEADERS_WAIT_MS = 50;

/**
 * Starts an SSE response: 200, event-stream headers, no proxy buffering; returns the raw
 * response. The headers leave with the first event, in the same write: the stream is opened
 * once the provider has answered, when its first event is usually a packet away, and a write
 * of the headers alone cost every stream a system call and its client a wake-up of its own.
 * A provider slow to its first event (a reasoning model) does not hold them back: after
 * HEADERS_WAIT_MS they are sent alone, so the client sees the stream begin.
 */
export function openSse(ctx: Context): ServerResponse {
  ctx.respond = false;
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  // Small writes must leave at once, not wait for Nagle.
  res.socket?.setNoDelay(true);
  setTimeout(sendHeadersIfUnsent, HEADERS_WAIT_MS, res).unref();
  return res;
}

function sendHeadersIfUnsent(res: ServerResponse): void {
  if (!res.headersSent && isWritable(res)) res.flushHeaders();
}

/** Whether the client can still receive bytes. */
export function isWritable(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

/**
 * Writes `text`. Returns undefined at once, or, when the socket's buffer is full, a promise
 * resolved once it drained (or the client left): a slow client slows the upstream read
 * instead of filling memory. No promise is made on the fast path.
 */
export function writeText(res: ServerResponse, text: string): Promise<void> | undefined {
  if (res.write(text)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes one `data:` event; see writeText for the backpressure. */
export function writeSseData(res: ServerResponse, data: string): Promise<void> | undefined {
  return writeText(res, `data: ${data}\n\n`);
}

/** Writes one named event (`event: <name>` + `data: <json>`), as Anthropic's stream has them. */
export function writeSseEvent(res: ServerResponse, name: string, data: string): Promise<void> | undefined {
  return writeText(res, `event: ${name}\ndata: ${data}\n\n`);
}
