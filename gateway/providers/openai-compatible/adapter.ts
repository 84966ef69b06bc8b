import { GatewayError } from '../../core/errors.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, TextCompletionRequest, TextCompletionResponse } from '../chat-types.js';
import { SSE_CONTENT_TYPE } from '../shared/sse.js';
import { sendUpstream, sendUpstreamJson } from '../shared/upstream-http.js';
import type { ChunkStream, ProviderAdapter, UpstreamTarget } from '../types.js';
import { authHeadersFor, defaultBaseUrlFor, endpointFor } from './endpoints.js';
import { readOpenAIChunks } from './stream.js';
import { streamTextCompletion } from './text-stream.js';

function urlFor(target: UpstreamTarget, operation: 'chat/completions' | 'completions' | 'embeddings'): string {
  return `${target.baseUrl}${endpointFor(target.provider).apiPrefix}/${operation}`;
}

function refuse(target: UpstreamTarget, what: string): never {
  throw new GatewayError('unsupported_operation', `provider "${target.provider.name}" does not serve ${what}`, {
    provider: target.provider.name,
    model: target.model,
  });
}

/**
 * The one adapter for every OpenAI-compatible provider (openai, groq, mistral, ... and
 * custom providers with base_provider_type "openai"): the request is already in OpenAI's
 * shape, so it is sent as-is with the provider's model name, and the answer comes back as-is.
 */
export const openaiCompatibleAdapter: ProviderAdapter = {
  protocol: 'openai',
  defaultBaseUrl: defaultBaseUrlFor,

  chat(request: ChatRequest, target: UpstreamTarget): Promise<ChatResponse> {
    return sendUpstreamJson<ChatResponse>(
      { url: urlFor(target, 'chat/completions'), headers: authHeadersFor(target.key), body: { ...request, model: target.model } },
      target,
    );
  },

  async chatStream(request: ChatRequest, target: UpstreamTarget): Promise<ChunkStream> {
    const response = await sendUpstream(
      {
        url: urlFor(target, 'chat/completions'),
        headers: { ...authHeadersFor(target.key), accept: 'text/event-stream' },
        body: { ...request, model: target.model, stream: true },
        streamContentType: SSE_CONTENT_TYPE,
      },
      target,
    );
    return readOpenAIChunks(response, target);
  },

  capabilities: {
    text: {
      complete(request: TextCompletionRequest, target: UpstreamTarget): Promise<TextCompletionResponse> {
        if (!endpointFor(target.provider).textCompletions) refuse(target, 'text completions (/v1/completions)');
        return sendUpstreamJson<TextCompletionResponse>(
          { url: urlFor(target, 'completions'), headers: authHeadersFor(target.key), body: { ...request, model: target.model } },
          target,
        );
      },
      // Text streams exist only in OpenAI's protocol.
      stream: streamTextCompletion,
    },
    embeddings: {
      embed(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse> {
        if (!endpointFor(target.provider).embeddings) refuse(target, 'embeddings (/v1/embeddings)');
        return sendUpstreamJson<EmbeddingResponse>(
          { url: urlFor(target, 'embeddings'), headers: authHeadersFor(target.key), body: { ...request, model: target.model } },
          target,
        );
      },
    },
  },
};
