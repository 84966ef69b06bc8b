import { randomUUID } from 'node:crypto';
import type { ChatChunk, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from '../chat-types.js';
import { streamUsageOptionsOf } from '../shared/stream-usage.js';
import type { ChunkStream, ProviderAdapter, UpstreamTarget } from '../types.js';
import {
  cohereEmbeddingBody,
  embeddingFamilyOf,
  inputTexts,
  readCohereEmbeddings,
  readTitanEmbedding,
  titanEmbeddingBody,
  toEmbeddingResponse,
} from './embeddings.js';
import { bedrockRuntimeOrigin, regionOf, resolveModelId } from './endpoint.js';
import { streamExceptionError } from './errors.js';
import { readEventStream, type EventStreamMessage } from './event-stream.js';
import { toConverseRequest } from './request.js';
import { fromConverseResponse, type ResponseLabels } from './response.js';
import { ConverseStreamTranslator, translateConverseStream } from './stream.js';
import { awsRequestIdOf, callBedrock, readJsonBody } from './transport.js';
import type { ConverseResponse } from './wire-types.js';

function labelsFor(target: UpstreamTarget, awsRequestId: string | undefined): ResponseLabels {
  return { id: `chatcmpl-${awsRequestId ?? randomUUID()}`, model: target.model, created: Math.floor(Date.now() / 1000) };
}

async function chat(request: ChatRequest, target: UpstreamTarget): Promise<ChatResponse> {
  const response = await callBedrock(target, 'converse', toConverseRequest(request));
  const body = await readJsonBody<ConverseResponse>(response, target);
  return fromConverseResponse(body, labelsFor(target, awsRequestIdOf(response)));
}

async function chatStream(request: ChatRequest, target: UpstreamTarget): Promise<ChunkStream> {
  const response = await callBedrock(target, 'converse-stream', toConverseRequest(request));
  const events = readEventStream(response, target);
  // An exception as the very first event is still a failure before the first byte: throw it
  // now, so that it can be retried, fall back, or be answered as a plain JSON error.
  const first = await events.next();
  if (!first.done && first.value.messageType !== 'event') {
    await events.return(undefined);
    throw streamExceptionError(first.value.name, first.value.payload, target);
  }
  const translator = new ConverseStreamTranslator(labelsFor(target, awsRequestIdOf(response)), streamUsageOptionsOf(request), target);
  async function* replay(): AsyncGenerator<EventStreamMessage> {
    if (!first.done) yield first.value;
    yield* events;
  }
  return translateConverseStream(replay(), translator, target) as AsyncIterable<ChatChunk>;
}

async function embeddings(request: EmbeddingRequest, target: UpstreamTarget): Promise<EmbeddingResponse> {
  const modelId = resolveModelId(target);
  const family = embeddingFamilyOf(modelId, target.model);
  const texts = inputTexts(request);
  if (family === 'cohere') {
    const response = await callBedrock(target, 'invoke', cohereEmbeddingBody(texts, request), modelId);
    const vectors = readCohereEmbeddings(await readJsonBody<unknown>(response, target), texts.length);
    return toEmbeddingResponse(vectors, 0, target.model, request.encoding_format);
  }
  // Titan embeds one text per call; sequential calls keep to the one concurrency slot held.
  const vectors: number[][] = [];
  let tokens = 0;
  for (const text of texts) {
    const response = await callBedrock(target, 'invoke', titanEmbeddingBody(text, request), modelId);
    const answer = readTitanEmbedding(await readJsonBody<unknown>(response, target));
    vectors.push(answer.vector);
    tokens += answer.tokens;
  }
  return toEmbeddingResponse(vectors, tokens, target.model, request.encoding_format);
}

/** Amazon Bedrock: Converse / ConverseStream for chat, InvokeModel for embeddings, SigV4-signed. */
export const bedrockAdapter: ProviderAdapter = {
  protocol: 'bedrock',
  defaultBaseUrl: (_provider, key) => bedrockRuntimeOrigin(regionOf(key)),
  chat,
  chatStream,
  capabilities: { embeddings: { embed: embeddings } },
};
