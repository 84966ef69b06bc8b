import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { UpstreamTarget } from '../types.js';
import { GatewayError } from '../../core/errors.js';
import { classifyNetworkError, tooLarge, upstreamLimits, type UpstreamResponse } from './upstream-http.js';

/** The media type of a server-sent event stream: what an SSE provider's streaming call expects (UpstreamRequest.streamContentType). */
export const SSE_CONTENT_TYPE = 'text/event-stream';

/** One server-sent event from an upstream stream. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Parses an event's `data` as JSON; data that is not JSON is the provider's fault (502). */
export function parseEventJson(data: string, target: UpstreamTarget): unknown {
  try {
    return JSON.parse(data);
  } catch (cause) {
    throw new GatewayError('upstream_bad_response', `${target.provider.name} sent a stream event that is not JSON`, {
      provider: target.provider.name,
      model: target.model,
      cause,
    });
  }
}

/** What a decoder passed to readSseItems returns to end the stream early (e.g. at `data: [DONE]`). */
export const END_OF_STREAM: unique symbol = Symbol('end of stream');

/** What a decoder passed to readSseItems returns for an event that yields nothing (e.g. an empty `data:`). */
export const SKIP_EVENT: unique symbol = Symbol('skip event');

/**
 * Reads an upstream `text/event-stream` body as events, as they arrive. Ends when the
 * upstream closes; a transport failure mid-stream is thrown as a GatewayError.
 */
export function readSseEvents(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<SseEvent> {
  return readSseItems(response, target, (event) => event);
}

/**
 * Reads an upstream `text/event-stream` body as the items `decode` makes of its events, as they
 * arrive: one async generator for both steps, where a generator of items over a generator of
 * events would cost another round of promises for every event of every stream. `decode` may
 * throw (a GatewayError ends the stream with it), skip an event, or end the stream.
 * `bodyEnded`, if given, runs when the body ended without `decode` ending the stream, and may
 * throw to say the stream was cut short.
 */
export async function* readSseItems<T>(
  response: UpstreamResponse,
  target: UpstreamTarget,
  decode: (event: SseEvent) => T | typeof SKIP_EVENT | typeof END_OF_STREAM,
  bodyEnded?: () => void,
): AsyncGenerator<T> {
  const pending: SseEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      pending.push({ event: message.event, data: message.data });
    },
  });
  const decoder = new TextDecoder();
  const maxEventBytes = upstreamLimits().maxEventBytes;
  // Bytes received since an event last completed: an event that never ends (no blank line)
  // would otherwise grow in the parser's buffer without bound.
  let sinceLastEvent = 0;
  try {
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      if (pending.length === 0) {
        sinceLastEvent += (chunk as Buffer).length;
        if (sinceLastEvent > maxEventBytes) throw tooLarge(target, `a stream event larger than ${Math.round(maxEventBytes / 1024)} KB`);
        continue;
      }
      sinceLastEvent = 0;
      while (pending.length > 0) {
        const item = decode(pending.shift() as SseEvent);
        if (item === END_OF_STREAM) return;
        if (item !== SKIP_EVENT) yield item;
      }
    }
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause;
    throw classifyNetworkError(cause, target);
  } finally {
    // Stops the upstream transfer when the consumer leaves early (client gone) or the stream ended early.
    if (!response.body.destroyed) response.body.destroy();
  }
  parser.feed(decoder.decode());
  parser.feed('\n\n');
  while (pending.length > 0) {
    const item = decode(pending.shift() as SseEvent);
    if (item === END_OF_STREAM) return;
    if (item !== SKIP_EVENT) yield item;
  }
  bodyEnded?.();
}
