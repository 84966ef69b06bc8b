import { GatewayError } from '../../core/errors.js';
import type { TextCompletionRequest } from '../chat-types.js';
import { SSE_CONTENT_TYPE } from '../shared/sse.js';
import { sendUpstream } from '../shared/upstream-http.js';
import type { UpstreamTarget } from '../types.js';
import { authHeadersFor, endpointFor } from './endpoints.js';
import { readOpenAIChunks } from './stream.js';

/** One chunk of a streamed legacy text completion, as OpenAI sends it. */
export interface TextCompletionChunk {
  id: string;
  object: 'text_completion';
  choices: { index: number; text: string; finish_reason: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  [field: string]: unknown;
}

/**
 * Streams a legacy text completion (`/v1/completions` with `stream: true`) from an
 * OpenAI-compatible provider: the chunks pass through unchanged. Only this protocol has a
 * text stream, so it lives beside the adapter rather than in the ProviderAdapter interface.
 */
export async function streamTextCompletion(request: TextCompletionRequest, target: UpstreamTarget): Promise<AsyncIterable<TextCompletionChunk>> {
  const endpoint = endpointFor(target.provider);
  if (!endpoint.textCompletions) {
    throw new GatewayError('unsupported_operation', `provider "${target.provider.name}" does not serve text completions (/v1/completions)`, {
      provider: target.provider.name,
      model: target.model,
    });
  }
  const response = await sendUpstream(
    {
      url: `${target.baseUrl}${endpoint.apiPrefix}/completions`,
      headers: { ...authHeadersFor(target.key), accept: 'text/event-stream' },
      body: { ...request, model: target.model, stream: true },
      streamContentType: SSE_CONTENT_TYPE,
    },
    target,
  );
  return readOpenAIChunks<TextCompletionChunk>(response, target);
}
