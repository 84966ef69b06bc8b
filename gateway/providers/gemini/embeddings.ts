import { GatewayError } from '../../core/errors.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';
import { stripModelsPrefix } from './endpoint.js';
import type { GeminiBatchEmbedRequest, GeminiBatchEmbedResponse } from './wire-types.js';

/** An OpenAI embeddings request as one Gemini `batchEmbedContents` body (one request per input). */
export function toGeminiEmbedRequest(request: EmbeddingRequest, model: string): GeminiBatchEmbedRequest {
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((input) => typeof input === 'string')) {
    throw new GatewayError('invalid_request', 'gemini embeddings take input as a string or an array of strings (not tokens)', {
      param: 'input',
    });
  }
  const resource = `models/${stripModelsPrefix(model)}`;
  return {
    requests: (inputs as string[]).map((text) => ({
      model: resource,
      content: { parts: [{ text }] },
      ...(typeof request.dimensions === 'number' ? { outputDimensionality: request.dimensions } : {}),
    })),
  };
}

/** Gemini's embeddings as an OpenAI list, in input order; `base64` packs float32 little-endian like OpenAI. */
export function toEmbeddingResponse(response: GeminiBatchEmbedResponse, request: EmbeddingRequest, model: string): EmbeddingResponse {
  const embeddings = response.embeddings ?? [];
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? toBase64Floats(embedding.values) : embedding.values,
    })),
    model,
    // Gemini does not report token counts for embeddings.
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}

/** Packs floats as little-endian float32 in base64, as OpenAI's `encoding_format: base64` does. */
export function toBase64Floats(values: number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}
