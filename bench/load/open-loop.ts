import { setMaxListeners } from 'node:events';
import type { Pool } from 'undici';
import { buildChatBody, type Target } from '../targets/target.js';
import { createHistogram, recordMs, type LatencyHistogram } from './histogram.js';
import { sendChatRequest, type RequestOutcome } from './send-request.js';

/** One open-loop run: a fixed arrival rate for a fixed time. */
export interface OpenLoopSpec {
  pool: Pool;
  target: Target;
  stream: boolean;
  /** Requests per second, scheduled by the clock, never by completions. */
  rate: number;
  durationMs: number;
  /** After the last send, how long outstanding requests may take before they are aborted. */
  drainMs: number;
  /** Checked on every tick: true ends the schedule early (the run then lasts less than durationMs). */
  shouldStop?: () => boolean;
}

/** What an open-loop run measured. Latencies are from each request's SCHEDULED send time. */
export interface LoadResult {
  scheduled: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Successful requests per second over the scheduling window. */
  throughput: number;
  latency: LatencyHistogram;
  /** How late the generator actually sent, against the schedule. */
  sendLag: LatencyHistogram;
  /** Streams: scheduled send to first content chunk. */
  firstChunk: LatencyHistogram;
  /** Streams: upstream emit to client arrival of each chunk. */
  chunkLag: LatencyHistogram;
}

/** Creates an empty result. */
export function createLoadResult(): LoadResult {
  return {
    scheduled: 0,
    ok: 0,
    errors: 0,
    errorKinds: {},
    throughput: 0,
    latency: createHistogram(),
    sendLag: createHistogram(),
    firstChunk: createHistogram(),
    chunkLag: createHistogram(),
  };
}

/** Pools several runs of the same step (rounds) into one result: histograms added, counts summed. */
export function mergeLoadResults(runs: LoadResult[]): LoadResult {
  const merged = createLoadResult();
  for (const run of runs) {
    merged.scheduled += run.scheduled;
    merged.ok += run.ok;
    merged.errors += run.errors;
    for (const [kind, count] of Object.entries(run.errorKinds)) merged.errorKinds[kind] = (merged.errorKinds[kind] ?? 0) + count;
    merged.latency.add(run.latency);
    merged.sendLag.add(run.sendLag);
    merged.firstChunk.add(run.firstChunk);
    merged.chunkLag.add(run.chunkLag);
  }
  merged.throughput = runs.length === 0 ? 0 : runs.reduce((sum, run) => sum + run.throughput, 0) / runs.length;
  return merged;
}

/** Adds one request's outcome to `result`; `startedAt` is the time latency counts from. */
export function recordOutcome(result: LoadResult, outcome: RequestOutcome, startedAt: number): void {
  if (!outcome.ok) {
    result.errors += 1;
    const kind = outcome.error ?? 'error';
    result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
    return;
  }
  result.ok += 1;
  recordMs(result.latency, performance.now() - startedAt);
  if (outcome.firstChunkAt !== undefined) recordMs(result.firstChunk, outcome.firstChunkAt - startedAt);
  for (const lag of outcome.chunkLagsMs ?? []) recordMs(result.chunkLag, lag);
}

/**
 * Sends requests at `rate` per second for `durationMs`. Each request has a scheduled time;
 * a slow target makes later requests queue (in the pool) and that wait counts in their
 * latency, so a stall is not hidden (no coordinated omission).
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const result = createLoadResult();
  const body = buildChatBody(spec.target, spec.stream);
  let total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const intervalMs = 1000 / spec.rate;
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let lastDoneAt = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now() + 5;

  const fire = (scheduledAt: number): void => {
    recordMs(result.sendLag, performance.now() - scheduledAt);
    const request = sendChatRequest(spec.pool, spec.target, body, spec.stream, abort.signal).then((outcome) => {
      recordOutcome(result, outcome, scheduledAt);
      lastDoneAt = performance.now();
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      if (spec.shouldStop?.() === true) total = next;
      while (next < total && start + next * intervalMs <= now) {
        fire(start + next * intervalMs);
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now() - 0.5));
    };
    setTimeout(tick, 5);
  });
  result.scheduled = total;

  const drainTimer = setTimeout(() => abort.abort(), spec.drainMs);
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  clearTimeout(drainTimer);
  const windowMs = total * intervalMs;
  result.throughput = result.ok / (Math.max(windowMs, lastDoneAt - start) / 1000);
  return result;
}
