import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { GatewayError } from '../../core/errors.js';
import type { Usage } from '../../providers/chat-types.js';
import { noteChunk, noteError, noteSuccess, noteUsage } from '../../request/request-state.js';
import type { AppDeps } from '../app-deps.js';
import type { InferenceScope } from '../inference.js';
import { endSse, isWritable, openSse, writeSseData, writeSseError } from './writer.js';

/**
 * Sends a started chunk stream to the client as SSE, each chunk as it arrives, ending with
 * `data: [DONE]`. A failure mid-stream ends it with an error event; a client that leaves
 * stops the upstream read (which aborts the upstream request); at the drain deadline the
 * client gets a `draining` error event. Releases the provider's concurrency slot at the end.
 */
export async function sendChunkStream(
  ctx: Context,
  deps: AppDeps,
  scope: InferenceScope,
  result: DispatchResult<AsyncIterable<{ usage?: Partial<Usage> | null }>>,
): Promise<void> {
  const { state } = scope;
  state.streamed = true;
  const res = openSse(ctx);
  let completed = false;
  try {
    for await (const chunk of result.value) {
      noteChunk(state);
      if (chunk.usage) noteUsage(state, chunk.usage);
      const wait = writeSseData(res, JSON.stringify(chunk));
      if (wait) await wait;
      if (!isWritable(res)) break;
    }
    completed = isWritable(res);
  } catch (error) {
    const reason = scope.abortedBy();
    if (reason !== 'client') {
      const shown = reason === 'shutdown' ? new GatewayError('draining', 'the node shut down before the stream finished; retry', { provider: result.provider, model: result.model }) : error;
      writeSseError(res, shown, scope.requestId);
      noteError(state, shown);
      if (!(shown instanceof GatewayError)) deps.logger.error({ id: scope.requestId, err: error }, 'stream failed');
    }
  } finally {
    result.release();
    endSse(res, completed);
  }
  if (completed) noteSuccess(state);
}
