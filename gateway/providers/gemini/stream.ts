import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, ToolCallDelta } from '../chat-types.js';
import { parseEventJson, type SseEvent } from '../shared/sse.js';
import type { StreamUsageOptions } from '../shared/stream-usage.js';
import type { UpstreamTarget } from '../types.js';
import { toFinishReason, toToolCallId, toUsage } from './response.js';
import type { GeminiErrorBody, GeminiResponse, GeminiUsageMetadata } from './wire-types.js';

/**
 * Reads `streamGenerateContent?alt=sse` events as Gemini responses. An `error` object in
 * the stream (Google sends one when generation fails after the headers) is thrown as a
 * GatewayError carrying its status.
 */
export async function* readGeminiEvents(events: AsyncIterable<SseEvent>, target: UpstreamTarget): AsyncGenerator<GeminiResponse> {
  for await (const event of events) {
    const data = event.data.trim();
    if (data === '' || data === '[DONE]') continue;
    const parsed = parseEventJson(data, target);
    const error = (parsed as Partial<GeminiErrorBody>).error;
    if (error && typeof error === 'object') {
      throw new GatewayError('upstream_error', error.message ?? `${target.provider.name} failed mid-stream`, {
        status: typeof error.code === 'number' ? error.code : 502,
        type: error.status ?? 'upstream_error',
        upstreamCode: error.code !== undefined ? String(error.code) : null,
        provider: target.provider.name,
        model: target.model,
        fromProvider: true,
      });
    }
    yield parsed as GeminiResponse;
  }
}

/** Options of the stream translation. */
export interface ChunkOptions extends StreamUsageOptions {
  model: string;
}

/**
 * Translates Gemini stream events into OpenAI chat chunks: the first chunk of each candidate
 * carries the assistant role, text parts become content deltas, each function call one
 * complete tool call delta (Gemini never splits a call), and finishReason the chunk's
 * finish_reason (`tool_calls` when the candidate called functions). A blocked prompt (no
 * candidates, promptFeedback.blockReason) ends with finish_reason `content_filter`.
 */
export async function* toChatChunks(events: AsyncIterable<GeminiResponse>, options: ChunkOptions): AsyncGenerator<ChatChunk> {
  const created = Math.floor(Date.now() / 1000);
  let id: string | undefined;
  let model = options.model;
  let usage: GeminiUsageMetadata | undefined;
  const started = new Set<number>();
  const toolCounts = new Map<number, number>();

  for await (const event of events) {
    id ??= event.responseId ?? `chatcmpl-${randomUUID()}`;
    if (event.modelVersion) model = event.modelVersion;
    if (event.usageMetadata) usage = event.usageMetadata;
    const candidates = event.candidates;
    if (candidates === undefined || candidates.length === 0) {
      // A blocked prompt's only event has no candidates; the stream must still say why it ended.
      if (event.promptFeedback?.blockReason !== undefined && !started.has(0)) {
        started.add(0);
        yield* blockedPromptChunks(id, created, model);
      }
      continue;
    }
    const choices: ChatChunk['choices'] = [];
    for (const [position, candidate] of candidates.entries()) {
      const index = candidate.index ?? position;
      const delta: ChatChunk['choices'][number]['delta'] = {};
      if (!started.has(index)) {
        started.add(index);
        delta.role = 'assistant';
      }
      let text = '';
      const toolCalls: ToolCallDelta[] = [];
      for (const part of candidate.content?.parts ?? []) {
        if (part.thought === true) continue;
        if (typeof part.text === 'string') text += part.text;
        if (part.functionCall) {
          const count = toolCounts.get(index) ?? 0;
          const call = part.functionCall;
          toolCalls.push({
            index: count,
            id: toToolCallId(`${id}:${index}`, count, call.name, call.id, part.thoughtSignature),
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
          });
          toolCounts.set(index, count + 1);
        }
      }
      if (text !== '') delta.content = text;
      if (toolCalls.length > 0) delta.tool_calls = toolCalls;
      const finish = candidate.finishReason ? toFinishReason(candidate.finishReason, (toolCounts.get(index) ?? 0) > 0) : null;
      if (Object.keys(delta).length > 0 || finish !== null) choices.push({ index, delta, finish_reason: finish });
    }
    if (choices.length > 0) yield { id, object: 'chat.completion.chunk', created, model, choices };
  }

  if (options.includeUsage && usage) {
    yield { id: id ?? `chatcmpl-${randomUUID()}`, object: 'chat.completion.chunk', created, model, choices: [], usage: toUsage(usage) ?? null };
  }
}

/**
 * The chunks for a prompt Gemini blocked (promptFeedback.blockReason, no candidates): the role,
 * then finish_reason content_filter, as the JSON answer's choice has it.
 */
function blockedPromptChunks(id: string, created: number, model: string): ChatChunk[] {
  const chunk = (delta: ChatChunk['choices'][number]['delta'], finishReason: ChatChunk['choices'][number]['finish_reason']): ChatChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  return [chunk({ role: 'assistant' }, null), chunk({}, 'content_filter')];
}
