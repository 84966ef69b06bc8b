import type { Pool } from 'undici';
import { nowWallMs } from '../upstream/mock-openai.js';
import type { Target } from '../targets/target.js';

/** What one request observed. */
export interface RequestOutcome {
  ok: boolean;
  /** "status-502", "UND_ERR_SOCKET", "bad-body", ... when not ok. */
  error?: string;
  /** performance.now() when the first content chunk arrived (streams). */
  firstChunkAt?: number;
  /** Per chunk: arrival wall time minus the upstream's emit wall time, in ms (streams). */
  chunkLagsMs?: number[];
}

const EMIT_STAMP = /"content":"@(\d+\.\d+)\|/;

async function readStream(body: AsyncIterable<Buffer>, outcome: RequestOutcome): Promise<boolean> {
  let pending = '';
  let sawDone = false;
  const lags: number[] = [];
  for await (const part of body) {
    const arrivedWall = nowWallMs();
    const arrivedAt = performance.now();
    pending += part.toString('utf8');
    let boundary = pending.indexOf('\n\n');
    while (boundary !== -1) {
      const event = pending.slice(0, boundary);
      pending = pending.slice(boundary + 2);
      boundary = pending.indexOf('\n\n');
      if (event.includes('data: [DONE]')) {
        sawDone = true;
        continue;
      }
      const stamp = EMIT_STAMP.exec(event);
      if (!stamp) continue;
      if (outcome.firstChunkAt === undefined) outcome.firstChunkAt = arrivedAt;
      lags.push(arrivedWall - Number(stamp[1]));
    }
  }
  outcome.chunkLagsMs = lags;
  return sawDone && lags.length > 0;
}

/** Sends one chat completion to `target` and reads the whole answer (JSON or SSE). */
export async function sendChatRequest(pool: Pool, target: Target, body: string, stream: boolean, signal: AbortSignal): Promise<RequestOutcome> {
  const outcome: RequestOutcome = { ok: false };
  try {
    const response = await pool.request({ path: target.path, method: 'POST', headers: target.headers, body, signal });
    if (response.statusCode !== 200) {
      await response.body.dump();
      outcome.error = `status-${response.statusCode}`;
      return outcome;
    }
    if (stream) {
      outcome.ok = await readStream(response.body, outcome);
    } else {
      const text = await response.body.text();
      outcome.ok = text.includes('"chat.completion"');
    }
    if (!outcome.ok) outcome.error = 'bad-body';
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    outcome.error = signal.aborted ? 'timeout' : (err.code ?? err.name ?? 'error');
  }
  return outcome;
}
