import type { ChatRequest, EmbeddingRequest } from '../chat-types.js';
import { readSseEvents, SSE_CONTENT_TYPE } from '../shared/sse.js';
import { sendUpstream, sendUpstreamJson } from '../shared/upstream-http.js';
import { streamUsageOptionsOf } from '../shared/stream-usage.js';
import { unreadableAnswer } from '../shared/unreadable-answer.js';
import type { ProviderAdapter, UpstreamTarget } from '../types.js';
import { toCohereEmbedRequest, toEmbeddingResponse } from './embeddings.js';
import { buildCohereHeaders, chatUrl, COHERE_DEFAULT_BASE_URL, embedUrl } from './endpoint.js';
import { toCohereRequest } from './request.js';
import { toChatResponse } from './response.js';
import { translateCohereStream } from './stream.js';
import type { CohereChatResponse, CohereEmbedResponse } from './types.js';

/** The cohere provider: v2 chat (JSON and streaming) and v2 embeddings. */
export const cohereAdapter: ProviderAdapter = {
  protocol: 'cohere',
  defaultBaseUrl: () => COHERE_DEFAULT_BASE_URL,
  async chat(request: ChatRequest, target: UpstreamTarget) {
    const body = { ...toCohereRequest(request, target.model), stream: false };
    const response = await sendUpstreamJson<CohereChatResponse>({ url: chatUrl(target), headers: buildCohereHeaders(target), body }, target);
    const content: unknown = (response.message as { content?: unknown } | null | undefined)?.content;
    if (typeof response.message !== 'object' || response.message === null || (content !== undefined && content !== null && !Array.isArray(content)))
      throw unreadableAnswer(target, 'no message with a content array');
    return toChatResponse(response, target.model);
  },
  async chatStream(request: ChatRequest, target: UpstreamTarget) {
    const body = { ...toCohereRequest(request, target.model), stream: true };
    const headers = { ...buildCohereHeaders(target), accept: 'text/event-stream' };
    const response = await sendUpstream({ url: chatUrl(target), headers, body, streamContentType: SSE_CONTENT_TYPE }, target);
    return translateCohereStream(readSseEvents(response, target), target, streamUsageOptionsOf(request));
  },
  capabilities: {
    embeddings: {
      async embed(request: EmbeddingRequest, target: UpstreamTarget) {
        const body = toCohereEmbedRequest(request, target.model);
        const response = await sendUpstreamJson<CohereEmbedResponse>({ url: embedUrl(target), headers: buildCohereHeaders(target), body }, target);
        return toEmbeddingResponse(response, target.model, request.encoding_format ?? 'float');
      },
    },
  },
};
