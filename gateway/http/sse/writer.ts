import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { toErrorEnvelope } from '../../core/errors.js';

/**
 * Server-sent events to the client, written straight to the socket as chunks arrive. Koa's
 * response handling is bypassed (`ctx.respond = false`) so nothing buffers a stream.
 */

/** Starts an SSE response: 200, event-stream headers, no proxy buffering; returns the raw response. */
export function openSse(ctx: Context): ServerResponse {
  ctx.respond = false;
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
  // Small writes must leave at once, not wait for Nagle.
  res.socket?.setNoDelay(true);
  return res;
}

/** Whether the client can still receive bytes. */
export function isWritable(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

/**
 * Writes one `data:` event. Resolves at once, or, when the socket's buffer is full, once it
 * drained (or the client left): a slow client slows the upstream read instead of filling memory.
 */
export function writeSseData(res: ServerResponse, data: string): Promise<void> | undefined {
  if (res.write(`data: ${data}\n\n`)) return undefined;
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

/** Writes an error event (Bifrost's envelope; the openai SDK raises it as an APIError). */
export function writeSseError(res: ServerResponse, error: unknown, requestId: string): void {
  if (!isWritable(res)) return;
  res.write(`data: ${JSON.stringify(toErrorEnvelope(error, requestId))}\n\n`);
}

/** Ends the stream, after `data: [DONE]` when it completed normally. */
export function endSse(res: ServerResponse, completed: boolean): void {
  if (!isWritable(res)) return;
  res.end(completed ? 'data: [DONE]\n\n' : undefined);
}
