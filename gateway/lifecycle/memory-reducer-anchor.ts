import { Script } from 'node:vm';

/** Held for the life of the process; see holdMemoryReducerAnchor. */
const held: Script[] = [];

/**
 * Keeps one object in V8's C++ heap for the life of the process, so that V8's memory reducer
 * works on Node 24, the runtime of the gateway image. Idempotent; call once at start-up.
 *
 * Why: the memory reducer is what shrinks V8's heap once allocation slows (after start-up, after a
 * burst of traffic). On Node 24.22 (V8 13.6), in a program loaded from a file whose C++ heap
 * (cppgc) has never held an object, it judges the allocation rate "high" at every check
 * (`--trace-memory-reducer`) and never runs, however idle the process is. Node keeps a few of its own
 * objects in that heap, a `vm.Script` among them; one held here is enough for the reducer to
 * run. Measured with Node 24.22.3 (bench/profile-notes.md, "After the twenty-second run: the
 * image's runtime"): an idle node settles at 79 MB instead of 88, and a script that made 200 MB
 * of garbage returns to 65 MB within 10 s instead of keeping 208. On Node 20 the reducer runs
 * without it, and the anchor is one small compiled script.
 */
export function holdMemoryReducerAnchor(): void {
  if (held.length === 0) held.push(new Script('0', { filename: 'memory-reducer-anchor' }));
}
