import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without a new request before the node counts as quiet. */
const QUIET_MS = 10_000;

/** V8's own collector, as a context made with --expose-gc sees it: a full collection, or a young-generation one. */
export type V8Collector = (options?: { type: 'minor' }) => void;

/** Options of startIdleMemoryTrim. */
export interface IdleMemoryTrimOptions {
  /** Requests accepted so far; the node is quiet while this does not move. */
  admitted: () => number;
  /** Runs the collection (default: one young-generation collection by V8). */
  collect?: () => void;
  /** Length of the quiet spell before a collection (default 10 s). */
  quietMs?: number;
}

/**
 * Gives back the memory a burst of traffic left behind, once the node has gone quiet: one
 * young-generation collection per busy spell, run after a whole `quietMs` without a new request.
 *
 * Why: under load V8 grows its young generation (30-60 MB more RSS), and it shrinks it only at
 * the end of a collection made while the allocation rate is low. A node that goes quiet
 * allocates next to nothing (a health check a second allocates little), so it collects
 * nothing: the bench's node kept 129 MB for the whole minute it was watched after
 * saturation, against 69 MB settled before the load (bench/profile-notes.md). One collection at
 * that moment sees the low rate, and V8 gives the memory back. It costs a few milliseconds once
 * per spell, and nothing while requests flow: the check is one timer reading a counter.
 */
export function startIdleMemoryTrim(options: IdleMemoryTrimOptions): { stop(): void } {
  // Made at the first spell's end, not at start-up: the context that hands out `gc` costs about
  // 90 KB of heap, which a node that has served nothing should not carry. null: the runtime
  // offers no collector.
  let collect: (() => void) | undefined | null = options.collect;
  const spells = new QuietSpells(options.admitted);
  const timer = setInterval(() => {
    if (!spells.check()) return;
    if (collect === undefined) collect = youngGenerationCollection() ?? null;
    collect?.();
  }, options.quietMs ?? QUIET_MS);
  // The trim must never keep a stopping process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Tells, check by check, when a busy spell has just ended: true at the first check that finds
 * the counter where the previous check left it after it had moved, and not again until it moves.
 */
export class QuietSpells {
  private seen: number;
  private busySinceQuiet = false;

  constructor(private readonly admitted: () => number) {
    this.seen = admitted();
  }

  /** True when no request came since the last check and some came before it. */
  check(): boolean {
    const now = this.admitted();
    if (now !== this.seen) {
      this.seen = now;
      this.busySinceQuiet = true;
      return false;
    }
    if (!this.busySinceQuiet) return false;
    this.busySinceQuiet = false;
    return true;
  }
}

/** One young-generation collection, or undefined where the runtime offers no collector. */
export function youngGenerationCollection(): (() => void) | undefined {
  const collector = v8Collector();
  return collector && (() => collector({ type: 'minor' }));
}

/**
 * V8's collector, or undefined where the runtime does not offer it. V8 hands `gc` only to
 * contexts made while --expose-gc is set; the flag is set just long enough to make one such
 * context, so no other code, and no global, gains `gc`.
 */
export function v8Collector(): V8Collector | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as V8Collector) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
