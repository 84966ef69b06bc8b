import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  TextCompletionRequest,
  TextCompletionResponse,
} from '../chat-types.js';
import { readOpenAIChunks } from '../openai-compatible/index.js';
import { SSE_CONTENT_TYPE } from '../shared/sse.js';
import { sendUpstream, sendUpstreamJson } from '../shared/upstream-http.js';
import type { ChunkStream, ProviderAdapter, UpstreamTarget } from '../types.js';
import { azureAuthHeaders, azureEndpointOf, azureUrlFor, modelForBody } from './endpoint.js';
import { withoutFilterOnlyChunks } from './stream.js';

/**
 * Azure OpenAI: OpenAI's own request and response shapes on per-deployment URLs with an
 * `api-key` header, so the bodies go as they are and the answers (and SSE streams, read by
 * the OpenAI-compatible stream reader) come back as they are.
 */
export const azureAdapter: ProviderAdapter = {
  protocol: 'azure',
  defaultBaseUrl: (_provider, key) => azureEndpointOf(key),

  async chat(request: ChatRequest, target: UpstreamTarget): Promise<ChatResponse> {
    return sendUpstreamJson<ChatResponse>(
      { url: azureUrlFor(target, 'chat/completions'), headers: azureAuthHeaders(target), body: { ...request, model: modelForBody(target), stream: false } },
      target,
    );
  },

  async chatStream(request: ChatRequest, target: UpstreamTarget): Promise<ChunkStream> {
    const response = await sendUpstream(
      {
        url: azureUrlFor(target, 'chat/completions'),
        headers: { ...azureAuthHeaders(target), accept: 'text/event-stream' },
        body: { ...request, model: modelForBody(target), stream: true },
        streamContentType: SSE_CONTENT_TYPE,
      },
      target,
    );
    return withoutFilterOnlyChunks(readOpenAIChunks<ChatChunk>(response, target));
  },

  capabilities: {
    text: {
      async complete(request: TextCompletionRequest, target: UpstreamTarget): Promise<TextCompletionResponse> {
        return sendUpstreamJson<TextCompletionResponse>(
          { url: azureUrlFor(target, 'completions'), headers: azureAuthHeaders(target), body: { ...request, model: modelForBody(target), stream: false } },
          target,
        );
      },
    },
    embeddings: {
      async embed(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse> {
        return sendUpstreamJson<EmbeddingResponse>(
          { url: azureUrlFor(target, 'embeddings'), headers: azureAuthHeaders(target), body: { ...request, model: modelForBody(target) } },
          target,
        );
      },
    },
  },
};
