import { GatewayError } from '../../core/errors.js';
import type { ChatChunk } from '../chat-types.js';
import { readSseEvents } from '../shared/sse.js';
import { readCommonErrorBody, type UpstreamResponse } from '../shared/upstream-http.js';
import { redactText } from '../../security/secret-redaction.js';
import type { UpstreamTarget } from '../types.js';

/**
 * Reads an OpenAI-protocol SSE stream as chunks, as they arrive. Ends at `data: [DONE]` (or
 * when the upstream closes); an `{"error":...}` event mid-stream is thrown as a GatewayError.
 */
export async function* readOpenAIChunks<T = ChatChunk>(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<T> {
  for await (const event of readSseEvents(response, target)) {
    const data = event.data;
    if (data === '[DONE]') return;
    if (data === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (cause) {
      throw new GatewayError('upstream_bad_response', `${target.provider.name} sent a stream event that is not JSON`, {
        provider: target.provider.name,
        model: target.model,
        cause,
      });
    }
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
    yield parsed as T;
  }
}
