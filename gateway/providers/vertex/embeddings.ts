import { GatewayError } from '../../core/errors.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';
import { toBase64Floats } from '../gemini/embeddings.js';
import { readGeminiErrorBody } from '../gemini/errors.js';
import { sendUpstreamJson } from '../shared/upstream-http.js';
import type { UpstreamTarget } from '../types.js';
import { vertexHeaders, vertexUrl } from './endpoint.js';

/** Vertex's `:predict` body for text-embedding models. */
export interface VertexPredictRequest {
  instances: { content: string }[];
  parameters?: { outputDimensionality?: number };
}

/** Vertex's `:predict` answer for text-embedding models. */
export interface VertexPredictResponse {
  predictions?: { embeddings?: { values?: number[]; statistics?: { token_count?: number; truncated?: boolean } } }[];
}

/** An OpenAI embeddings request as a Vertex `:predict` body (one instance per input). */
export function toVertexPredictRequest(request: EmbeddingRequest): VertexPredictRequest {
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((input) => typeof input === 'string')) {
    throw new GatewayError('invalid_request', 'vertex embeddings take input as a string or an array of strings (not tokens)', { param: 'input' });
  }
  return {
    instances: (inputs as string[]).map((content) => ({ content })),
    ...(typeof request.dimensions === 'number' ? { parameters: { outputDimensionality: request.dimensions } } : {}),
  };
}

/** Vertex predictions as an OpenAI list; token counts come from each prediction's statistics. */
export function toVertexEmbeddingResponse(response: VertexPredictResponse, request: EmbeddingRequest, model: string): EmbeddingResponse {
  const predictions = response.predictions ?? [];
  const tokens = predictions.reduce((sum, prediction) => sum + (prediction.embeddings?.statistics?.token_count ?? 0), 0);
  return {
    object: 'list',
    data: predictions.map((prediction, index) => {
      const values = prediction.embeddings?.values ?? [];
      return { object: 'embedding', index, embedding: request.encoding_format === 'base64' ? toBase64Floats(values) : values };
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** Embeds through `{model}:predict` on Vertex (text-embedding-005, gemini-embedding-001, ...). */
export async function embedWithVertex(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse> {
  const call = { url: vertexUrl(target, 'predict'), headers: await vertexHeaders(target), body: toVertexPredictRequest(request) };
  const response = await sendUpstreamJson<VertexPredictResponse>(call, target, readGeminiErrorBody);
  return toVertexEmbeddingResponse(response, request, target.model);
}
