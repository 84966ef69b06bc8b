import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { GatewayError } from '../../core/errors.js';
import { toUsage } from '../../providers/gemini/response.js';
import type { GeminiResponse, GeminiUsageMetadata } from '../../providers/gemini/wire-types.js';
import type { AppDeps } from '../app-deps.js';
import { noteChunk, noteError, noteSuccess, noteUsage } from '../../request/request-state.js';
import type { InferenceScope } from '../inference.js';
import { isWritable, openSse, writeSseData } from '../sse/writer.js';
import { toGeminiError } from './errors.js';

/** How the client asked to receive `streamGenerateContent`: SSE (`alt=sse`) or Gemini's default JSON array. */
export type GeminiStreamFraming = 'sse' | 'json-array';

/**
 * Sends Gemini stream events to the client as they arrive: `data: <json>` events, or the
 * elements of one JSON array written progressively (what Gemini answers without `alt=sse`).
 * A failure mid-stream ends it with a Google error object; the provider's concurrency slot
 * is released at the end.
 */
export async function sendGeminiStream(
  ctx: Context,
  deps: AppDeps,
  scope: InferenceScope,
  result: DispatchResult<AsyncIterable<GeminiResponse>>,
  framing: GeminiStreamFraming,
): Promise<void> {
  const { state } = scope;
  const labels = { provider: result.provider, model: result.model };
  state.streamed = true;
  const res = framing === 'sse' ? openSse(ctx) : openJsonArray(ctx);
  let written = 0;
  let usage: GeminiUsageMetadata | undefined;
  let completed = false;
  const write = async (json: string): Promise<boolean> => {
    const wait = framing === 'sse' ? writeSseData(res, json) : writeRaw(res, `${written === 0 ? '' : ',\r\n'}${json}`);
    written++;
    if (wait) await wait;
    return isWritable(res);
  };
  try {
    for await (const event of result.value) {
      noteChunk(state);
      if (event.usageMetadata) usage = event.usageMetadata;
      if (!(await write(JSON.stringify(event)))) break;
    }
    completed = isWritable(res);
  } catch (error) {
    const reason = scope.abortedBy();
    if (reason !== 'client') {
      const shown = reason === 'shutdown' ? new GatewayError('draining', 'the node shut down before the stream finished; retry', labels) : error;
      if (isWritable(res)) await write(JSON.stringify(toGeminiError(shown).body));
      noteError(state, shown);
      if (!(shown instanceof GatewayError)) deps.logger.error({ id: scope.requestId, err: error }, 'stream failed');
    }
  } finally {
    result.release();
    if (isWritable(res)) res.end(framing === 'json-array' ? ']' : undefined);
  }
  noteUsage(state, toUsage(usage));
  if (completed) noteSuccess(state);
}

function openJsonArray(ctx: Context): ServerResponse {
  ctx.respond = false;
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json; charset=UTF-8');
  res.setHeader('x-accel-buffering', 'no');
  res.write('[');
  res.socket?.setNoDelay(true);
  return res;
}

function writeRaw(res: ServerResponse, text: string): Promise<void> | undefined {
  if (res.write(text)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
