import { GatewayError } from '../core/errors.js';
import type { EmbeddingRequest, EmbeddingResponse, TextCompletionRequest, TextCompletionResponse } from './chat-types.js';
import type { AnthropicClientHeaders } from './anthropic/native.js';
import type { AnthropicRequest, AnthropicResponse } from './anthropic/types.js';
import type { GeminiRequest, GeminiResponse } from './gemini/wire-types.js';
import type { TextCompletionChunk } from './openai-compatible/text-stream.js';
import type { SseEvent } from './shared/sse.js';
import type { UpstreamTarget } from './types.js';

/** Legacy text completions (`/v1/completions`). */
export interface TextCapability {
  complete(request: TextCompletionRequest, target: UpstreamTarget): Promise<TextCompletionResponse>;
  /** Streamed text completions (OpenAI-shaped chunks); absent when the protocol has none. */
  stream?(request: TextCompletionRequest, target: UpstreamTarget): Promise<AsyncIterable<TextCompletionChunk>>;
}

/** `/v1/embeddings`. */
export interface EmbeddingsCapability {
  embed(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse>;
}

/** Takes Anthropic Messages bodies as they are (the `/anthropic` drop-in passes them through). */
export interface AnthropicNativeCapability {
  send(body: AnthropicRequest, target: UpstreamTarget, clientHeaders: AnthropicClientHeaders): Promise<AnthropicResponse>;
  /** Resolves once the upstream accepted the request; yields Anthropic's own SSE events. */
  stream(body: AnthropicRequest, target: UpstreamTarget, clientHeaders: AnthropicClientHeaders): Promise<AsyncGenerator<SseEvent>>;
}

/** Takes Gemini `generateContent` bodies as they are (the `/genai` drop-in passes them through). */
export interface GeminiNativeCapability {
  generate(body: GeminiRequest, target: UpstreamTarget): Promise<GeminiResponse>;
  /** Resolves once the upstream accepted the request. */
  stream(body: GeminiRequest, target: UpstreamTarget): Promise<AsyncIterable<GeminiResponse>>;
}

/**
 * What an adapter can do besides chat. A route asks here ("can you stream text?") and never
 * checks which adapter it holds; an absent entry means "no", answered as unsupported_operation.
 */
export interface ProviderCapabilities {
  readonly text?: TextCapability;
  readonly embeddings?: EmbeddingsCapability;
  /** Wire protocols the adapter accepts untranslated. */
  readonly native?: {
    readonly anthropic?: AnthropicNativeCapability;
    readonly gemini?: GeminiNativeCapability;
  };
}

/** The capability when the adapter has it, else unsupported_operation naming what the provider lacks. */
export function requireCapability<T>(capability: T | undefined, target: UpstreamTarget, what: string): T {
  if (capability !== undefined) return capability;
  throw new GatewayError('unsupported_operation', `provider "${target.provider.name}" does not ${what}`, {
    provider: target.provider.name,
    model: target.model,
  });
}
