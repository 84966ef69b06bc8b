import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { GatewayError } from '../../core/errors.js';
import { noteChunk, noteError, noteSuccess, type RequestState } from '../../request/request-state.js';
import type { AppDeps } from '../app-deps.js';
import type { InferenceScope } from '../inference.js';
import { isWritable } from './writer.js';

/**
 * How one wire dialect (OpenAI chunks, Anthropic events, Gemini events) writes a stream.
 * One instance per stream: it may keep the stream's own state (a translator, usage so far).
 * Write methods return a promise only when the socket is full (backpressure).
 */
export interface StreamDialect<T> {
  /** Starts the response: status, headers, any opening bytes. */
  open(ctx: Context): ServerResponse;
  /** Writes one item from upstream, noting its usage on the state. */
  write(res: ServerResponse, item: T, state: RequestState): Promise<void> | undefined;
  /** After the last item (also when the client left): closing events; throws if upstream ended short. */
  finish?(res: ServerResponse, state: RequestState): Promise<void> | undefined;
  /** Writes the error event the client's SDK raises (the response is still writable). */
  writeError(res: ServerResponse, error: unknown, requestId: string): Promise<void> | undefined;
  /** Ends the response, once, whatever happened; `completed` when the stream ended normally. */
  end(res: ServerResponse, completed: boolean, state: RequestState): void;
}

/**
 * The one stream loop (lifecycle phase "streamed"): sends each upstream item as it arrives,
 * waits when the client's socket is full, notes the first chunk, usage, success or error on
 * the request state, and releases the provider's concurrency slot at the end. A failure
 * mid-stream ends it with the dialect's error event; a client that leaves stops the upstream
 * read (which aborts the upstream request); at the drain deadline the client gets a
 * `draining` error event.
 */
export async function pumpStream<T>(
  ctx: Context,
  deps: AppDeps,
  scope: InferenceScope,
  result: DispatchResult<AsyncIterable<T>>,
  dialect: StreamDialect<T>,
): Promise<void> {
  const { state } = scope;
  state.streamed = true;
  const res = dialect.open(ctx);
  let completed = false;
  try {
    for await (const item of result.value) {
      noteChunk(state);
      const wait = dialect.write(res, item, state);
      if (wait) await wait;
      if (!isWritable(res)) break;
    }
    if (dialect.finish) {
      const wait = dialect.finish(res, state);
      if (wait) await wait;
    }
    completed = isWritable(res);
  } catch (error) {
    const reason = scope.abortedBy();
    if (reason !== 'client') {
      const shown =
        reason === 'shutdown'
          ? new GatewayError('draining', 'the node shut down before the stream finished; retry', { provider: result.provider, model: result.model })
          : error;
      if (isWritable(res)) {
        const wait = dialect.writeError(res, shown, scope.requestId);
        if (wait) await wait;
      }
      noteError(state, shown);
      if (!(shown instanceof GatewayError)) deps.logger.error({ id: scope.requestId, err: error }, 'stream failed');
    }
  } finally {
    result.release();
    dialect.end(res, completed, state);
  }
  if (completed) noteSuccess(state);
}
