import { GatewayError } from '../../core/errors.js';
import type { ChatChunk } from '../chat-types.js';
import { END_OF_STREAM, parseEventJson, readSseItems, SKIP_EVENT, type SseEvent } from '../shared/sse.js';
import { readCommonErrorBody, type UpstreamResponse } from '../shared/upstream-http.js';
import { redactText } from '../../security/secret-redaction.js';
import type { UpstreamTarget } from '../types.js';
import { rememberUpstreamText } from '../shared/upstream-text.js';

/** What a stream has said so far about being complete. */
interface StreamProgress {
  /** A chunk carried a finish_reason. */
  finished: boolean;
}

/**
 * Reads an OpenAI-protocol SSE stream as chunks, as they arrive. Ends at `data: [DONE]`; an
 * `{"error":...}` event mid-stream is thrown as a GatewayError. A body that ends without
 * [DONE] is complete when a chunk carried a finish_reason (some compatible servers omit
 * [DONE]); with neither it was cut short, which is thrown (upstream_bad_response) rather than
 * passed off as a whole answer.
 */
export function readOpenAIChunks<T = ChatChunk>(response: UpstreamResponse, target: UpstreamTarget): AsyncGenerator<T> {
  const progress: StreamProgress = { finished: false };
  return readSseItems(
    response,
    target,
    (event) => decodeOpenAIEvent<T>(event, target, progress),
    () => checkFinished(progress, target),
  );
}

function decodeOpenAIEvent<T>(event: SseEvent, target: UpstreamTarget, progress: StreamProgress): T | typeof SKIP_EVENT | typeof END_OF_STREAM {
  const data = event.data;
  if (data === '[DONE]') return END_OF_STREAM;
  if (data === '') return SKIP_EVENT;
  const parsed = parseEventJson(data, target);
  if (!progress.finished) progress.finished = hasFinishReason(parsed);
  if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && (parsed as { error: unknown }).error) {
    const details = readCommonErrorBody(parsed);
    throw new GatewayError('upstream_error', redactText(details.message ?? `${target.provider.name} reported an error mid-stream`), {
      type: details.type ?? 'upstream_error',
      upstreamCode: details.code ?? null,
      provider: target.provider.name,
      model: target.model,
      fromProvider: true,
    });
  }
  // Data spread over several `data:` lines holds line breaks: such a chunk is serialised again.
  if (!data.includes('\n')) rememberUpstreamText(parsed, data);
  return parsed as T;
}

/** Whether a chunk says an answer is complete: one of its choices has a finish_reason. */
function hasFinishReason(chunk: unknown): boolean {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return false;
  // An index loop: no iterator for the one or two choices of every chunk.
  for (let index = 0; index < choices.length; index++) {
    const reason = (choices[index] as { finish_reason?: unknown } | null)?.finish_reason;
    if (typeof reason === 'string' && reason !== '') return true;
  }
  return false;
}

/** At the end of a body without [DONE]: a stream with no finish_reason either was cut short. */
function checkFinished(progress: StreamProgress, target: UpstreamTarget): void {
  if (progress.finished) return;
  throw new GatewayError('upstream_bad_response', `${target.provider.name} ended the stream before it finished (no finish_reason, no [DONE])`, {
    provider: target.provider.name,
    model: target.model,
  });
}
