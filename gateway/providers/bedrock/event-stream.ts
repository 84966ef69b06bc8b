import { GatewayError } from '../../core/errors.js';
import { loadOnFirstUse } from '../shared/load-on-first-use.js';
import { classifyNetworkError, tooLarge, upstreamLimits, type UpstreamResponse } from '../shared/upstream-http.js';
import type { UpstreamTarget } from '../types.js';
import { guardFrameLengths } from './frame-length-guard.js';

/** One decoded message of an `application/vnd.amazon.eventstream` body. */
export interface EventStreamMessage {
  /** `:message-type`: "event", "exception" or "error". */
  messageType: string;
  /** `:event-type`, `:exception-type` or `:error-code`. */
  name: string;
  /** The JSON payload (or `{message}` for an `error` message, from `:error-message`). */
  payload: unknown;
}

// Smithy's framing and codec load with the first bedrock stream, not when the node boots.
const loadEventStreamTools = loadOnFirstUse(async () => {
  const [{ getChunkedStream }, { EventStreamCodec }, { fromUtf8, toUtf8 }] = await Promise.all([
    import('@smithy/core/event-streams'),
    import('@smithy/eventstream-codec'),
    import('@smithy/util-utf8'),
  ]);
  return { getChunkedStream, toUtf8, codec: new EventStreamCodec(toUtf8, fromUtf8) };
});

function headerString(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const header = headers[name];
  return header && typeof header.value === 'string' ? header.value : undefined;
}

/**
 * Decodes AWS event-stream frames as they arrive, with Smithy's maintained framing
 * (`getChunkedStream`) and codec (CRC-checked), each frame no larger than the event limit.
 * Transport failures become GatewayErrors; leaving early stops the upstream transfer.
 */
export async function* readEventStream(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<EventStreamMessage> {
  try {
    const { getChunkedStream, toUtf8, codec } = await loadEventStreamTools();
    const maxEventBytes = upstreamLimits().maxEventBytes;
    const guarded = guardFrameLengths(response.body as AsyncIterable<Uint8Array>, maxEventBytes, () =>
      tooLarge(target, `an event-stream frame larger than ${Math.round(maxEventBytes / 1024)} KB`),
    );
    const frames = getChunkedStream(guarded);
    for await (const frame of frames) {
      let decoded: ReturnType<typeof codec.decode>;
      try {
        decoded = codec.decode(frame);
      } catch (cause) {
        throw new GatewayError('upstream_bad_response', 'bedrock sent a malformed event-stream frame', {
          provider: target.provider.name,
          model: target.model,
          cause,
        });
      }
      const headers = decoded.headers as Record<string, { type: string; value: unknown }>;
      const messageType = headerString(headers, ':message-type') ?? 'event';
      if (messageType === 'error') {
        yield {
          messageType,
          name: headerString(headers, ':error-code') ?? 'UnknownError',
          payload: { message: headerString(headers, ':error-message') ?? '' },
        };
        continue;
      }
      const name = headerString(headers, messageType === 'exception' ? ':exception-type' : ':event-type') ?? '';
      const text = toUtf8(decoded.body);
      let payload: unknown = {};
      if (text !== '') {
        try {
          payload = JSON.parse(text);
        } catch (cause) {
          throw new GatewayError('upstream_bad_response', `bedrock sent a ${name} event that is not JSON`, {
            provider: target.provider.name,
            model: target.model,
            cause,
          });
        }
      }
      yield { messageType, name, payload };
    }
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause;
    if (cause instanceof Error && /Truncated event message/.test(cause.message) && !target.signal.aborted) {
      throw new GatewayError('upstream_bad_response', 'bedrock ended the stream in the middle of an event', {
        provider: target.provider.name,
        model: target.model,
        retryable: true,
        cause,
      });
    }
    throw classifyNetworkError(cause, target);
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
}
