import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { GatewayError } from '../../core/errors.js';
import { toChatUsage } from '../../providers/anthropic/response.js';
import type { AnthropicUsage } from '../../providers/anthropic/types.js';
import type { ChatChunk, Usage } from '../../providers/chat-types.js';
import type { SseEvent } from '../../providers/shared/sse.js';
import type { ChunkStream } from '../../providers/types.js';
import { captureChunk, captureText } from '../../request-log/capture-content.js';
import { noteUsage, type RequestState } from '../../request/request-state.js';
import { redactText } from '../../security/secret-redaction.js';
import type { AppDeps } from '../app-deps.js';
import type { InferenceScope } from '../inference.js';
import { pumpStream, type StreamDialect } from '../sse/pump.js';
import { isWritable, openSse, writeSseEvent } from '../sse/writer.js';
import { ChunkEventTranslator } from './chunk-events.js';
import { statusOfAnthropicErrorType } from '../../providers/anthropic/errors.js';
import { toAnthropicError } from './errors.js';

/** A started stream on the Anthropic route: Anthropic's own events, or chat chunks to translate. */
export type AnthropicRouteStream =
  | { kind: 'native'; events: AsyncGenerator<SseEvent> }
  | { kind: 'chat'; chunks: ChunkStream; messageId: string; model: string };

/**
 * Sends a started stream to the client as Anthropic SSE events. Native events are relayed as
 * they arrived (an upstream `error` event included); chat chunks are translated. A failure
 * mid-stream ends it with an `error` event in Anthropic's shape.
 */
export function sendAnthropicStream(ctx: Context, deps: AppDeps, scope: InferenceScope, result: DispatchResult<AnthropicRouteStream>): Promise<void> {
  ctx.set('request-id', scope.requestId);
  const stream = result.value;
  if (stream.kind === 'native') return pumpStream(ctx, deps, scope, { ...result, value: stream.events }, new NativeEventDialect(result.provider));
  return pumpStream(ctx, deps, scope, { ...result, value: stream.chunks }, new ChatChunkDialect(new ChunkEventTranslator(stream.messageId, stream.model)));
}

/** What both Anthropic dialects share: the error event and the end. */
abstract class AnthropicDialect<T> implements StreamDialect<T> {
  open(ctx: Context): ServerResponse {
    return openSse(ctx);
  }
  abstract write(res: ServerResponse, item: T, state: RequestState): Promise<void> | undefined;
  writeError(res: ServerResponse, error: unknown, requestId: string): undefined {
    res.write(`event: error\ndata: ${JSON.stringify(toAnthropicError(error, requestId).body)}\n\n`);
    return undefined;
  }
  end(res: ServerResponse, _completed: boolean, _state: RequestState): void {
    if (isWritable(res)) res.end();
  }
}

/**
 * Relays an Anthropic-protocol provider's own events, collecting usage from them. An `error`
 * event is relayed too, then fails the stream: the request is recorded as failed with it.
 */
class NativeEventDialect extends AnthropicDialect<SseEvent> {
  private readonly usage: Partial<AnthropicUsage> = {};
  private ended = false;
  private relayedError = false;

  constructor(private readonly provider: string) {
    super();
  }

  write(res: ServerResponse, event: SseEvent, state: RequestState): Promise<void> | undefined {
    const name = event.event ?? 'message';
    mergeUsage(this.usage, name, event.data);
    if (state.content) captureNativeText(state, name, event.data);
    if (name === 'error') return this.relayError(res, event.data, state);
    this.ended = name === 'message_stop';
    return writeSseEvent(res, name, event.data);
  }

  finish(res: ServerResponse, state: RequestState): undefined {
    if (!this.ended && isWritable(res)) {
      throw new GatewayError('upstream_bad_response', `${this.provider} ended the stream before message_stop`, {
        provider: state.provider,
        model: state.model,
      });
    }
    return undefined;
  }

  override writeError(res: ServerResponse, error: unknown, requestId: string): undefined {
    // The provider's own error event went out already: a second one would report it twice.
    if (this.relayedError) return undefined;
    return super.writeError(res, error, requestId);
  }

  override end(res: ServerResponse, completed: boolean, state: RequestState): void {
    // Counted even when the stream failed or the client left: the tokens were spent.
    noteUsage(state, toChatUsage(this.usage));
    super.end(res, completed, state);
  }

  /**
   * Relays the provider's error event as it was sent (redacted: it may echo a credential, the
   * one place relayed bytes are rewritten), then throws it, so that the stream loop ends the
   * stream and records the failure instead of a success.
   */
  private relayError(res: ServerResponse, data: string, state: RequestState): never {
    // No wait for a full socket: the stream ends here, and ending it flushes what is queued.
    writeSseEvent(res, 'error', redactText(data));
    this.relayedError = true;
    throw upstreamErrorOf(data, state);
  }
}

/** The failure an Anthropic `error` event reports, with the status Anthropic pairs with its type. */
function upstreamErrorOf(data: string, state: RequestState): GatewayError {
  let error: { type?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(data) as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  } catch {
    // A malformed error event still ends the stream as a failure.
  }
  const type = typeof error?.type === 'string' ? error.type : 'api_error';
  const message = typeof error?.message === 'string' ? error.message : `${state.provider} reported an error mid-stream`;
  return new GatewayError('upstream_error', redactText(message), {
    status: statusOfAnthropicErrorType(type),
    type,
    provider: state.provider,
    model: state.model,
    fromProvider: true,
  });
}

/**
 * Translates chat chunks into Anthropic's events. Keeps the last usage reported (a provider
 * that reports its running total in every chunk would otherwise be counted many times over)
 * and notes it once at the end.
 */
class ChatChunkDialect extends AnthropicDialect<ChatChunk> {
  private usage: Usage | null | undefined;

  constructor(private readonly translator: ChunkEventTranslator) {
    super();
  }

  write(res: ServerResponse, chunk: ChatChunk, state: RequestState): Promise<void> | undefined {
    if (chunk.usage) this.usage = chunk.usage;
    if (state.content) captureChunk(state.content, chunk);
    return writeEvents(res, this.translator.push(chunk), 0);
  }

  finish(res: ServerResponse): Promise<void> | undefined {
    return isWritable(res) ? writeEvents(res, this.translator.finish(), 0) : undefined;
  }

  override end(res: ServerResponse, completed: boolean, state: RequestState): void {
    // Counted even when the stream failed or the client left: the tokens were spent.
    noteUsage(state, this.usage);
    super.end(res, completed, state);
  }
}

/** Writes events in order, waiting for the socket when it is full; stops if the client left. */
function writeEvents(res: ServerResponse, events: readonly { type: string }[], from: number): Promise<void> | undefined {
  for (let index = from; index < events.length; index++) {
    if (!isWritable(res)) return undefined;
    const event = events[index] as { type: string };
    const wait = writeSseEvent(res, event.type, JSON.stringify(event));
    if (wait) return wait.then(() => writeEvents(res, events, index + 1));
  }
  return undefined;
}

/** For the request log: the text of content_block_delta events and message_delta's stop reason. */
function captureNativeText(state: RequestState, name: string, data: string): void {
  if (!state.content || (name !== 'content_block_delta' && name !== 'message_delta')) return;
  try {
    const parsed = JSON.parse(data) as { delta?: { type?: string; text?: unknown; stop_reason?: string | null } };
    captureText(state.content, parsed.delta?.type === 'text_delta' ? parsed.delta.text : undefined, parsed.delta?.stop_reason);
  } catch {
    // A malformed event is the client's to see; the log just misses its text.
  }
}

/** Merges the token counts carried by message_start and message_delta events (others carry none). */
function mergeUsage(into: Partial<AnthropicUsage>, name: string, data: string): void {
  if (name !== 'message_start' && name !== 'message_delta') return;
  try {
    const parsed = JSON.parse(data) as { message?: { usage?: Partial<AnthropicUsage> }; usage?: Partial<AnthropicUsage> };
    const usage = parsed.message?.usage ?? parsed.usage ?? {};
    for (const [field, value] of Object.entries(usage)) if (typeof value === 'number') into[field] = value;
  } catch {
    // A malformed event carries no usage; the event itself is still relayed.
  }
}
