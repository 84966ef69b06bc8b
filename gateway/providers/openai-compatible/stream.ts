import { GatewayError } from '../../core/errors.js';
import type { ChatChunk } from '../chat-types.js';
import { END_OF_STREAM, parseEventJson, readSseItems, SKIP_EVENT, type SseEvent } from '../shared/sse.js';
import { readCommonErrorBody, type UpstreamResponse } from '../shared/upstream-http.js';
import { redactText } from '../../security/secret-redaction.js';
import type { UpstreamTarget } from '../types.js';
import { rememberUpstreamText } from '../shared/upstream-text.js';

/**
 * Reads an OpenAI-protocol SSE stream as chunks, as they arrive. Ends at `data: [DONE]` (or
 * when the upstream closes); an `{"error":...}` event mid-stream is thrown as a GatewayError.
 */
export function readOpenAIChunks<T = ChatChunk>(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<T> {
  return readSseItems(response, target, (event) => decodeOpenAIEvent<T>(event, target));
}

function decodeOpenAIEvent<T>(event: SseEvent, target: UpstreamTarget): T | typeof SKIP_EVENT | typeof END_OF_STREAM {
  const data = event.data;
  if (data === '[DONE]') return END_OF_STREAM;
  if (data === '') return SKIP_EVENT;
  const parsed = parseEventJson(data, target);
  if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && (parsed as { error: unknown }).error) {
    const details = readCommonErrorBody(parsed);
    throw new GatewayError('upstream_error', redactText(details.message ?? `${target.provider.name} reported an error mid-stream`), {
      type: details.type ?? 'upstream_error',
      upstreamCode: details.code ?? null,
      provider: target.provider.name,
      model: target.model,
      fromProvider: true,
    });
  }
  // Data spread over several `data:` lines holds line breaks: such a chunk is serialised again.
  if (!data.includes('\n')) rememberUpstreamText(parsed, data);
  return parsed as T;
}
