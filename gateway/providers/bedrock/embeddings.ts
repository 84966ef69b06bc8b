import { GatewayError } from '../../core/errors.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';

/** The InvokeModel body families the node knows for embeddings. */
export type EmbeddingFamily = 'titan' | 'cohere';

/** Which body format a Bedrock embeddings model takes, from its id (or the name it was asked by). */
export function embeddingFamilyOf(...ids: string[]): EmbeddingFamily {
  for (const id of ids) {
    if (id.includes('amazon.titan-embed')) return 'titan';
    if (id.includes('cohere.embed')) return 'cohere';
  }
  throw new GatewayError(
    'unsupported_operation',
    `bedrock embeddings support Amazon Titan (amazon.titan-embed-*) and Cohere (cohere.embed-*) models, not ${ids[0] ?? ''}`,
  );
}

/** The request's input as a list of strings (Bedrock embeds text, not token ids). */
export function inputTexts(request: EmbeddingRequest): string[] {
  const input = request.input;
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new GatewayError('invalid_request', 'input must not be empty');
  return list.map((item) => {
    if (typeof item !== 'string') throw new GatewayError('invalid_request', 'bedrock embeddings take text input, not token arrays');
    return item;
  });
}

/** Titan's InvokeModel body for one text: `{inputText, dimensions?}`. */
export function titanEmbeddingBody(text: string, request: EmbeddingRequest): Record<string, unknown> {
  // JSON null is "not set", as OpenAI reads it.
  return { inputText: text, ...(typeof request.dimensions === 'number' ? { dimensions: request.dimensions } : {}) };
}

/** Cohere-on-Bedrock's InvokeModel body for all texts at once (`input_type` from the request, else search_document). */
export function cohereEmbeddingBody(texts: string[], request: EmbeddingRequest): Record<string, unknown> {
  const inputType = typeof request.input_type === 'string' ? request.input_type : 'search_document';
  return { texts, input_type: inputType };
}

/** Floats as OpenAI's base64 encoding: little-endian float32 bytes. */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

/** Builds the OpenAI-shaped embeddings response. */
export function toEmbeddingResponse(
  vectors: readonly number[][],
  promptTokens: number,
  model: string,
  encoding: EmbeddingRequest['encoding_format'],
): EmbeddingResponse {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? encodeFloat32Base64(vector) : vector,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** Reads one Titan answer `{embedding, inputTextTokenCount}`. */
export function readTitanEmbedding(body: unknown): { vector: number[]; tokens: number } {
  const record = (body ?? {}) as { embedding?: unknown; inputTextTokenCount?: unknown };
  if (!Array.isArray(record.embedding)) {
    throw new GatewayError('upstream_bad_response', 'bedrock returned an embeddings answer without "embedding"');
  }
  return { vector: record.embedding as number[], tokens: typeof record.inputTextTokenCount === 'number' ? record.inputTextTokenCount : 0 };
}

/** Reads Cohere's answer `{embeddings: number[][]}` (float embeddings). */
export function readCohereEmbeddings(body: unknown, expected: number): number[][] {
  const embeddings = (body as { embeddings?: unknown } | null)?.embeddings;
  const list = Array.isArray(embeddings) ? embeddings : (embeddings as { float?: unknown } | undefined)?.float;
  if (!Array.isArray(list) || list.length !== expected) {
    throw new GatewayError('upstream_bad_response', 'bedrock returned an embeddings answer without one vector per input');
  }
  return list as number[][];
}
