import { GatewayError } from '../../core/errors.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';
import type { CohereEmbedRequest, CohereEmbedResponse } from './types.js';

/** Cohere's v3+ embedding models require an input type; documents is the neutral choice. */
export const DEFAULT_INPUT_TYPE = 'search_document';

/** Translates an OpenAI embeddings request into a Cohere v2 embed request. */
export function toCohereEmbedRequest(request: EmbeddingRequest, model: string): CohereEmbedRequest {
  const input = request.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text): text is string => typeof text === 'string')) {
    throw new GatewayError('invalid_request', 'cohere embeddings take text input: a string or an array of strings', { param: 'input' });
  }
  const body: CohereEmbedRequest = {
    model,
    texts,
    input_type: typeof request.input_type === 'string' ? request.input_type : DEFAULT_INPUT_TYPE,
    embedding_types: ['float'],
  };
  // JSON null is "not set", as OpenAI reads it.
  if (typeof request.dimensions === 'number') body.output_dimension = request.dimensions;
  return body;
}

/** Translates a Cohere v2 embed response into OpenAI's list of embeddings. */
export function toEmbeddingResponse(response: CohereEmbedResponse, model: string, encoding: 'float' | 'base64' = 'float'): EmbeddingResponse {
  const vectors = response.embeddings.float ?? [];
  const tokens = response.meta?.billed_units?.input_tokens ?? 0;
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
