import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { GatewayError } from '../../core/errors.js';
import { toChatUsage } from '../../providers/anthropic/response.js';
import type { AnthropicUsage } from '../../providers/anthropic/types.js';
import type { SseEvent } from '../../providers/shared/sse.js';
import type { ChunkStream } from '../../providers/types.js';
import type { AppDeps } from '../app-deps.js';
import { noteChunk, noteError, noteSuccess, noteUsage } from '../../request/request-state.js';
import type { InferenceScope } from '../inference.js';
import { isWritable, openSse } from '../sse/writer.js';
import { ChunkEventTranslator } from './chunk-events.js';
import { toAnthropicError } from './errors.js';
import { writeSseEvent } from './sse-events.js';

/** A started stream on the Anthropic route: Anthropic's own events, or chat chunks to translate. */
export type AnthropicRouteStream =
  | { kind: 'native'; events: AsyncGenerator<SseEvent> }
  | { kind: 'chat'; chunks: ChunkStream; messageId: string; model: string };

/**
 * Sends a started stream to the client as Anthropic SSE events. Native events are relayed as
 * they arrived (an upstream `error` event included); chat chunks are translated. A failure
 * mid-stream ends it with an `error` event in Anthropic's shape; the provider's concurrency
 * slot is released at the end.
 */
export async function sendAnthropicStream(ctx: Context, deps: AppDeps, scope: InferenceScope, result: DispatchResult<AnthropicRouteStream>): Promise<void> {
  const { state } = scope;
  const labels = { provider: result.provider, model: result.model };
  ctx.set('request-id', scope.requestId);
  const res = openSse(ctx);
  let completed = false;
  state.streamed = true;
  const write = async (name: string, data: string): Promise<boolean> => {
    const wait = writeSseEvent(res, name, data);
    if (wait) await wait;
    return isWritable(res);
  };
  try {
    const stream = result.value;
    if (stream.kind === 'native') {
      let usage: Partial<AnthropicUsage> = {};
      let ended = false;
      for await (const event of stream.events) {
        noteChunk(state);
        const name = event.event ?? 'message';
        usage = { ...usage, ...usageOf(name, event.data) };
        ended = name === 'message_stop' || name === 'error';
        if (!(await write(name, event.data))) break;
      }
      noteUsage(state, toChatUsage(usage));
      if (!ended && isWritable(res)) {
        throw new GatewayError('upstream_bad_response', `${result.provider} ended the stream before message_stop`, labels);
      }
    } else {
      const translator = new ChunkEventTranslator(stream.messageId, stream.model);
      let open = true;
      for await (const chunk of stream.chunks) {
        noteChunk(state);
        if (chunk.usage) noteUsage(state, chunk.usage);
        for (const event of translator.push(chunk)) open = open && (await write(event.type, JSON.stringify(event)));
        if (!open) break;
      }
      if (open) for (const event of translator.finish()) await write(event.type, JSON.stringify(event));
    }
    completed = isWritable(res);
  } catch (error) {
    const reason = scope.abortedBy();
    if (reason !== 'client') {
      const shown = reason === 'shutdown' ? new GatewayError('draining', 'the node shut down before the stream finished; retry', labels) : error;
      if (isWritable(res)) res.write(`event: error\ndata: ${JSON.stringify(toAnthropicError(shown, scope.requestId).body)}\n\n`);
      noteError(state, shown);
      if (!(shown instanceof GatewayError)) deps.logger.error({ id: scope.requestId, err: error }, 'stream failed');
    }
  } finally {
    result.release();
    if (isWritable(res)) res.end();
  }
  if (completed) noteSuccess(state);
}

/** Token counts carried by message_start and message_delta events (others carry none). */
function usageOf(name: string, data: string): Partial<AnthropicUsage> {
  if (name !== 'message_start' && name !== 'message_delta') return {};
  try {
    const parsed = JSON.parse(data) as { message?: { usage?: Partial<AnthropicUsage> }; usage?: Partial<AnthropicUsage> };
    const usage = parsed.message?.usage ?? parsed.usage ?? {};
    const out: Partial<AnthropicUsage> = {};
    for (const [field, value] of Object.entries(usage)) if (typeof value === 'number') out[field] = value;
    return out;
  } catch {
    return {};
  }
}
