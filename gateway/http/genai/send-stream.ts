import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { DispatchResult } from '../../core/dispatcher.js';
import { toUsage } from '../../providers/gemini/response.js';
import type { GeminiResponse, GeminiUsageMetadata } from '../../providers/gemini/wire-types.js';
import { captureText } from '../../request-log/capture-content.js';
import { noteUsage, type RequestState } from '../../request/request-state.js';
import type { AppDeps } from '../app-deps.js';
import type { InferenceScope } from '../inference.js';
import { pumpStream, type StreamDialect } from '../sse/pump.js';
import { isWritable, openSse, writeSseData, writeText } from '../sse/writer.js';
import { toGeminiError } from './errors.js';

/** How the client asked to receive `streamGenerateContent`: SSE (`alt=sse`) or Gemini's default JSON array. */
export type GeminiStreamFraming = 'sse' | 'json-array';

/**
 * Sends Gemini stream events to the client as they arrive: `data: <json>` events, or the
 * elements of one JSON array written progressively (what Gemini answers without `alt=sse`).
 * A failure mid-stream ends it with a Google error object.
 */
export function sendGeminiStream(
  ctx: Context,
  deps: AppDeps,
  scope: InferenceScope,
  result: DispatchResult<AsyncIterable<GeminiResponse>>,
  framing: GeminiStreamFraming,
): Promise<void> {
  return pumpStream(ctx, deps, scope, result, new GeminiDialect(framing));
}

/** Gemini's dialect in either framing; keeps the last usage reported (Gemini's counts are cumulative). */
class GeminiDialect implements StreamDialect<GeminiResponse> {
  private written = 0;
  private usage: GeminiUsageMetadata | undefined;

  constructor(private readonly framing: GeminiStreamFraming) {}

  open(ctx: Context): ServerResponse {
    return this.framing === 'sse' ? openSse(ctx) : openJsonArray(ctx);
  }

  write(res: ServerResponse, event: GeminiResponse, state: RequestState): Promise<void> | undefined {
    if (event.usageMetadata) this.usage = event.usageMetadata;
    if (state.content) {
      const candidate = event.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) captureText(state.content, (part as { text?: unknown }).text);
      captureText(state.content, undefined, candidate?.finishReason);
    }
    return this.writeJson(res, JSON.stringify(event));
  }

  writeError(res: ServerResponse, error: unknown): Promise<void> | undefined {
    return this.writeJson(res, JSON.stringify(toGeminiError(error).body));
  }

  end(res: ServerResponse, _completed: boolean, state: RequestState): void {
    if (isWritable(res)) res.end(this.framing === 'json-array' ? ']' : undefined);
    // Counted even when the stream failed or the client left: the tokens were spent.
    noteUsage(state, toUsage(this.usage));
  }

  private writeJson(res: ServerResponse, json: string): Promise<void> | undefined {
    const first = this.written === 0;
    this.written++;
    if (this.framing === 'sse') return writeSseData(res, json);
    return writeText(res, first ? json : `,\r\n${json}`);
  }
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
