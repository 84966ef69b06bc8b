import type { Pool } from 'undici';
import { buildChatBody, type Target } from '../targets/target.js';
import { createLoadResult, recordOutcome, type LoadResult } from './open-loop.js';
import { sendChatRequest } from './send-request.js';

/** One closed-loop run: `concurrency` workers each sending back to back. */
export interface ClosedLoopSpec {
  pool: Pool;
  target: Target;
  stream: boolean;
  concurrency: number;
  durationMs: number;
  /** Per-request deadline; a request still running then is aborted and counted as an error. */
  requestTimeoutMs: number;
}

/**
 * Finds the most a target can serve: no request waits for a schedule, so throughput is
 * limited by the target (or the box). Latency here is from the actual send.
 */
export async function runClosedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const result = createLoadResult();
  const body = buildChatBody(spec.target, spec.stream);
  const started = performance.now();
  const deadline = started + spec.durationMs;

  const work = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      result.scheduled += 1;
      const outcome = await sendChatRequest(spec.pool, spec.target, body, spec.stream, AbortSignal.timeout(spec.requestTimeoutMs));
      recordOutcome(result, outcome, sentAt);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, work));
  result.throughput = result.ok / ((performance.now() - started) / 1000);
  return result;
}
