import type { ProviderKey, ProviderSettings } from '../../../shared/config/index.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';
import { readSseEvents, SSE_CONTENT_TYPE } from '../shared/sse.js';
import { streamUsageOptionsOf } from '../shared/stream-usage.js';
import { sendUpstream, sendUpstreamJson } from '../shared/upstream-http.js';
import type { EmbeddingsCapability, GeminiNativeCapability, ProviderCapabilities } from '../capabilities.js';
import type { ChunkStream, ProviderAdapter, UpstreamTarget } from '../types.js';
import { toEmbeddingResponse, toGeminiEmbedRequest } from './embeddings.js';
import type { GeminiMethod } from './endpoint.js';
import { readGeminiErrorBody } from './errors.js';
import { toGeminiRequest } from './request.js';
import { toChatResponse } from './response.js';
import { readGeminiEvents, toChatChunks } from './stream.js';
import type { GeminiBatchEmbedResponse, GeminiRequest, GeminiResponse } from './wire-types.js';

/**
 * An adapter for a provider that speaks Gemini's protocol (Gemini API, Vertex AI). Besides
 * the chat shape it takes native Gemini bodies (`capabilities.native.gemini`), so the
 * `/genai` drop-in route can pass a Gemini client's request through untranslated.
 */
export interface GeminiProtocolAdapter extends ProviderAdapter {
  readonly capabilities: ProviderCapabilities & { readonly native: { readonly gemini: GeminiNativeCapability } };
}

/** What differs between Gemini-protocol providers: where to send, and how to authenticate. */
export interface GeminiEndpoint {
  protocol: string;
  defaultBaseUrl(provider: ProviderSettings, key: ProviderKey | undefined): string | undefined;
  url(target: UpstreamTarget, method: GeminiMethod): string;
  headers(target: UpstreamTarget): Promise<Record<string, string>>;
  /** False when the provider has no `batchEmbedContents`. */
  embeddings: boolean;
}

/** Builds a Gemini-protocol adapter on top of an endpoint description. */
export function createGeminiProtocolAdapter(endpoint: GeminiEndpoint): GeminiProtocolAdapter {
  async function generateNative(body: GeminiRequest, target: UpstreamTarget): Promise<GeminiResponse> {
    const call = { url: endpoint.url(target, 'generateContent'), headers: await endpoint.headers(target), body };
    return sendUpstreamJson<GeminiResponse>(call, target, readGeminiErrorBody);
  }

  async function streamNative(body: GeminiRequest, target: UpstreamTarget): Promise<AsyncIterable<GeminiResponse>> {
    const headers = { ...(await endpoint.headers(target)), accept: 'text/event-stream' };
    const response = await sendUpstream(
      { url: endpoint.url(target, 'streamGenerateContent'), headers, body, streamContentType: SSE_CONTENT_TYPE },
      target,
      readGeminiErrorBody,
    );
    return readGeminiEvents(readSseEvents(response, target), target);
  }

  const embeddings: EmbeddingsCapability | undefined = endpoint.embeddings
    ? {
        async embed(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse> {
          const call = {
            url: endpoint.url(target, 'batchEmbedContents'),
            headers: await endpoint.headers(target),
            body: toGeminiEmbedRequest(request, target.model),
          };
          const response = await sendUpstreamJson<GeminiBatchEmbedResponse>(call, target, readGeminiErrorBody);
          return toEmbeddingResponse(response, request, target.model);
        },
      }
    : undefined;
  return {
    protocol: endpoint.protocol,
    defaultBaseUrl: (provider, key) => endpoint.defaultBaseUrl(provider, key),
    capabilities: { native: { gemini: { generate: generateNative, stream: streamNative } }, ...(embeddings ? { embeddings } : {}) },
    async chat(request: ChatRequest, target: UpstreamTarget): Promise<ChatResponse> {
      const response = await generateNative(toGeminiRequest(request), target);
      return toChatResponse(response, target.model, `chatcmpl-${target.requestId}`);
    },
    async chatStream(request: ChatRequest, target: UpstreamTarget): Promise<ChunkStream> {
      const events = await streamNative(toGeminiRequest(request), target);
      return toChatChunks(events, { model: target.model, ...streamUsageOptionsOf(request) });
    },
  };
}
