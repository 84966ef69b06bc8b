import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { UpstreamTarget } from '../types.js';
import { GatewayError } from '../../core/errors.js';
import { classifyNetworkError, tooLarge, upstreamLimits, type UpstreamResponse } from './upstream-http.js';

/** One server-sent event from an upstream stream. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/**
 * Reads an upstream `text/event-stream` body as events, as they arrive. Ends when the
 * upstream closes; a transport failure mid-stream is thrown as a GatewayError.
 */
export async function* readSseEvents(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<SseEvent> {
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
      while (pending.length > 0) yield pending.shift() as SseEvent;
    }
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause;
    throw classifyNetworkError(cause, target);
  } finally {
    // Stops the upstream transfer when the consumer leaves early (client gone).
    if (!response.body.destroyed) response.body.destroy();
  }
  parser.feed(decoder.decode());
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift() as SseEvent;
}
