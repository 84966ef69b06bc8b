import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { UpstreamTarget } from '../types.js';
import { classifyNetworkError, type UpstreamResponse } from './upstream-http.js';

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
  try {
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      while (pending.length > 0) yield pending.shift() as SseEvent;
    }
  } catch (cause) {
    throw classifyNetworkError(cause, target);
  } finally {
    // Stops the upstream transfer when the consumer leaves early (client gone).
    if (!response.body.destroyed) response.body.destroy();
  }
  parser.feed(decoder.decode());
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift() as SseEvent;
}
