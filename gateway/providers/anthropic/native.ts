import { readSseEvents, SSE_CONTENT_TYPE, type SseEvent } from '../shared/sse.js';
import { sendUpstream, sendUpstreamJson } from '../shared/upstream-http.js';
import type { UpstreamTarget } from '../types.js';
import { buildAnthropicHeaders, messagesUrl } from './endpoint.js';
import { markOverloadedRetryable } from './errors.js';
import type { AnthropicRequest, AnthropicResponse } from './types.js';

/** Client headers the drop-in route relays to Anthropic on the native path. */
export interface AnthropicClientHeaders {
  version?: string | undefined;
  beta?: string | undefined;
}

/** Sends a native Messages API request and returns Anthropic's response body as is. */
export async function sendAnthropicMessage(
  body: AnthropicRequest,
  target: UpstreamTarget,
  clientHeaders: AnthropicClientHeaders = {},
): Promise<AnthropicResponse> {
  try {
    return await sendUpstreamJson<AnthropicResponse>(
      { url: messagesUrl(target), headers: buildAnthropicHeaders(target, clientHeaders), body: { ...body, stream: false } },
      target,
    );
  } catch (error) {
    throw markOverloadedRetryable(error);
  }
}

/**
 * Opens a native streaming Messages API request. Resolves once Anthropic answered 2xx, so a
 * refusal before the first event can still be retried or fall back; yields the raw SSE events.
 */
export async function openAnthropicStream(
  body: AnthropicRequest,
  target: UpstreamTarget,
  clientHeaders: AnthropicClientHeaders = {},
): Promise<AsyncGenerator<SseEvent>> {
  const headers = { ...buildAnthropicHeaders(target, clientHeaders), accept: 'text/event-stream' };
  try {
    const response = await sendUpstream({ url: messagesUrl(target), headers, body: { ...body, stream: true }, streamContentType: SSE_CONTENT_TYPE }, target);
    return readSseEvents(response, target);
  } catch (error) {
    throw markOverloadedRetryable(error);
  }
}
