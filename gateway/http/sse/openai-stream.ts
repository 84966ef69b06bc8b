import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { toErrorEnvelope } from '../../core/errors.js';
import type { Usage } from '../../providers/chat-types.js';
import { upstreamTextOf } from '../../providers/shared/upstream-text.js';
import { captureChunk } from '../../request-log/capture-content.js';
import { noteUsage, type RequestState } from '../../request/request-state.js';
import type { AppDeps } from '../app-deps.js';
import type { InferenceScope } from '../inference.js';
import { pumpStream, type StreamDialect } from './pump.js';
import { isWritable, openSse, writeSseData } from './writer.js';

type OpenAIChunk = { usage?: Partial<Usage> | null };

/**
 * OpenAI's dialect: each chunk as a `data:` event, `data: [DONE]` at a normal end, an error
 * as Bifrost's envelope in a `data:` event (the openai SDK raises it as an APIError).
 *
 * One instance per stream, for the usage: a provider reports it once, in the last chunk, or
 * (vLLM with `stream_options.continuous_usage_stats`) in every chunk, each time the total so
 * far. The last report is the stream's usage either way, noted once at the end; adding up
 * every report counted such a stream's tokens many times over.
 */
class OpenAIDialect implements StreamDialect<OpenAIChunk> {
  private usage: Partial<Usage> | null | undefined;

  open(ctx: Context): ServerResponse {
    return openSse(ctx);
  }

  write(res: ServerResponse, chunk: OpenAIChunk, state: RequestState): Promise<void> | undefined {
    if (chunk.usage) this.usage = chunk.usage;
    if (state.content) captureChunk(state.content, chunk);
    // A chunk as the provider sent it goes out as its text: parsed (usage, errors), not serialised again.
    return writeSseData(res, upstreamTextOf(chunk) ?? JSON.stringify(chunk));
  }

  writeError(res: ServerResponse, error: unknown, requestId: string): undefined {
    res.write(`data: ${JSON.stringify(toErrorEnvelope(error, requestId))}\n\n`);
    return undefined;
  }

  end(res: ServerResponse, completed: boolean, state: RequestState): void {
    if (isWritable(res)) res.end(completed ? 'data: [DONE]\n\n' : undefined);
    // Counted even when the stream failed or the client left: the tokens were spent.
    noteUsage(state, this.usage);
  }
}

/** Sends a started chunk stream (chat or text completions) to the client as OpenAI SSE. */
export function sendChunkStream(ctx: Context, deps: AppDeps, scope: InferenceScope, result: DispatchResult<AsyncIterable<OpenAIChunk>>): Promise<void> {
  return pumpStream(ctx, deps, scope, result, new OpenAIDialect());
}
