import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without a new request before the node counts as quiet. */
const QUIET_MS = 10_000;
/** How long a quiet spell lasts before the node gives back all it can, at the cost of recompiling. */
const LONG_QUIET_MS = 60_000;

/**
 * V8's own collector, as a context made with --expose-gc sees it: a full collection without
 * options; a young-generation one with `type: 'minor'`; a memory-reducing one with
 * `flavor: 'last-resort'` (V8 12 and later).
 */
export type V8Collector = (options?: { type: 'minor' } | { type: 'major'; flavor: 'last-resort' }) => void;

/** Options of startIdleMemoryTrim. */
export interface IdleMemoryTrimOptions {
  /** Requests accepted so far; the node is quiet while this does not move. */
  admitted: () => number;
  /** The collections run (default: idleCollections()). */
  collections?: IdleCollections;
  /** Length of the quiet spell before the first collection (default 10 s). */
  quietMs?: number;
  /** Length of the quiet spell before the memory-reducing one (default 60 s; a multiple of quietMs). */
  longQuietMs?: number;
}

/** The collections the trim runs. */
export interface IdleCollections {
  /** Keeps the request path's optimized code: run when a busy spell has just ended. */
  keepingCode: () => void;
  /** Gives back all it can, and V8 drops optimized code: run after start-up and after a long quiet spell. */
  reducing: () => void;
}

/**
 * Gives back the memory that start-up and bursts of traffic left behind, once the node has gone
 * quiet, without making the next burst pay to compile the request path again.
 *
 * - `quietMs` after start-up, if no request came: a memory-reducing collection. No request's
 *   code has been optimized yet, so there is nothing to lose.
 * - `quietMs` after the last request of a busy spell: a collection that keeps optimized code.
 * - `longQuietMs` after it, if still quiet: a memory-reducing one. A node idle for a minute
 *   returns what the spell grew; its next request compiles the request path again.
 *
 * Why: the image runs Node with `--no-memory-reducer` (gateway/Dockerfile). V8's reducer makes
 * memory-reducing collections a few seconds into any lull; they free the objects that the
 * request path's optimized code holds weakly (the shapes of a request's short-lived objects among
 * them), and with them V8 throws that code away: the first seconds after a lull of half a minute
 * cost 40% more CPU a request (bench/profile-notes.md, "After the twenty-fourth run"). Without
 * the reducer nothing collects in a quiet node, as it allocates next to nothing: V8 would keep
 * what start-up loaded and dropped, and the young generation a burst grew (30-60 MB more RSS on
 * Node 20, up to 170 MB more on Node 24). These collections do that work instead, on a schedule
 * that keeps code hot through short lulls. Each costs a few milliseconds once per spell, and
 * nothing while requests flow: the check is one timer reading a counter.
 */
export function startIdleMemoryTrim(options: IdleMemoryTrimOptions): { stop(): void } {
  const collections = options.collections ?? idleCollections();
  // A runtime that offers no collector leaves the trim nothing to run.
  if (!collections) return { stop: () => undefined };
  const quietMs = options.quietMs ?? QUIET_MS;
  const longQuietChecks = Math.max(2, Math.round((options.longQuietMs ?? LONG_QUIET_MS) / quietMs));
  // Start-up is the first busy spell: loading the modules and the config grew the heap.
  const spells = new QuietSpells(options.admitted, { longQuietChecks, busyAtStart: true });
  const timer = setInterval(() => {
    const found = spells.check();
    if (found !== 'spell-ended' && found !== 'long-quiet') return;
    const served = options.admitted() > 0;
    // At start-up the first collection already reduced: the long spell has nothing left to give.
    if (found === 'long-quiet' && !served) return;
    if (found === 'spell-ended' && served) collections.keepingCode();
    else collections.reducing();
  }, quietMs);
  // The trim must never keep a stopping process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** What one check of QuietSpells found. */
export type QuietCheck = 'busy' | 'spell-ended' | 'long-quiet' | 'quiet';

/**
 * Tells, check by check, where the node is in its quiet spells: 'busy' when requests came since
 * the last check; 'spell-ended' at the first check that finds none after a busy one;
 * 'long-quiet' at the `longQuietChecks`-th such check in a row; 'quiet' otherwise.
 */
export class QuietSpells {
  private seen: number;
  /** Quiet checks in a row since the last busy one; null once past the long spell (or never busy). */
  private quietChecks: number | null;
  private readonly longQuietChecks: number;

  /** busyAtStart: the checks count from start-up as from a busy check. */
  constructor(
    private readonly admitted: () => number,
    options: { longQuietChecks: number; busyAtStart?: boolean },
  ) {
    this.seen = admitted();
    this.longQuietChecks = options.longQuietChecks;
    this.quietChecks = options.busyAtStart ? 0 : null;
  }

  check(): QuietCheck {
    const now = this.admitted();
    if (now !== this.seen) {
      this.seen = now;
      this.quietChecks = 0;
      return 'busy';
    }
    if (this.quietChecks === null) return 'quiet';
    this.quietChecks++;
    if (this.quietChecks === 1) return 'spell-ended';
    if (this.quietChecks < this.longQuietChecks) return 'quiet';
    this.quietChecks = null;
    return 'long-quiet';
  }
}

/**
 * The idle trim's collections by V8, or undefined where the runtime offers no collector.
 *
 * Keeping code: one young-generation collection. V8 shrinks the young generation at the end of a
 * scavenge that sees a low allocation rate; V8 11 (Node 20) returns the pages, V8 13 (Node 24)
 * keeps them in its page pool. Not a full one: the request path's optimized code holds weakly
 * the objects it was specialized on, and a full collection in a lull, reducing or not, frees
 * them and throws the code away (measured: 218-296 functions compiled again in the next 6 s,
 * 640-970 us a request against 420-520 after a short gap; bench/profile-notes.md).
 *
 * Reducing: a full collection, then V8's "last resort" one, which reduces memory: it compacts,
 * and it is what empties V8 13's (Node 24) page pool, where the pages of a shrunk young
 * generation wait (after saturation: 250 MB of RSS kept, against 104 MB after it). V8 before 12
 * does not know that option and takes the object as its old "minor" argument, so there the pair
 * is a full collection and a young-generation one.
 */
export function idleCollections(): IdleCollections | undefined {
  const collector = v8Collector();
  if (!collector) return undefined;
  return {
    keepingCode: () => collector({ type: 'minor' }),
    reducing: () => {
      collector();
      collector({ type: 'major', flavor: 'last-resort' });
    },
  };
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
