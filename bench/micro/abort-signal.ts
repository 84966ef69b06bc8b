/**
 * Micro-benchmark behind a profile finding: what one cancellation handle per request costs the
 * garbage collector. Each kind is created 200,000 times with ~10 alive at once (like in-flight
 * requests) and with a listener added and removed (as undici does); we read how much of it
 * was promoted to the old generation and the time spent in young-generation GCs.
 * On Node 20 every AbortSignal survives scavenges, which is why the gateway uses its own
 * EventEmitter-based Cancellation (gateway/core/cancellation.ts). `tsx bench/micro/abort-signal.ts`
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Cancellation } from '../../gateway/core/cancellation.js';

const N = 200_000;
const ALIVE = 10;

function oldSpaceMb(): number {
  const old = getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
  return (old?.space_used_size ?? 0) / 1048576;
}

let minorGcMs = 0;
let minorGcs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      minorGcMs += entry.duration;
      minorGcs += 1;
    }
  }
});
observer.observe({ entryTypes: ['gc'] });

async function measure(name: string, create: () => { listen(fn: () => void): () => void; payload: unknown }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  minorGcMs = 0;
  minorGcs = 0;
  const before = oldSpaceMb();
  const window: unknown[] = [];
  for (let i = 0; i < N; i += 1) {
    const handle = create();
    const stop = handle.listen(() => undefined);
    stop();
    // ~1 KB of request state hanging off each handle, as a request's closures would.
    window.push({ handle, state: new Array(64).fill(i) });
    if (window.length > ALIVE) window.shift();
    if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(`  ${name.padEnd(44)} old space +${(oldSpaceMb() - before).toFixed(1)} MB, ${minorGcs} young GCs, ${minorGcMs.toFixed(1)} ms in them`);
}

console.log(`Node ${process.version}: ${N} handles, ${ALIVE} alive at a time`);
await measure('AbortController + signal listener', () => {
  const controller = new AbortController();
  return {
    payload: controller,
    listen(fn) {
      controller.signal.addEventListener('abort', fn, { once: true });
      return () => controller.signal.removeEventListener('abort', fn);
    },
  };
});
await measure('Cancellation (EventEmitter) + listener', () => {
  const cancellation = new Cancellation();
  return {
    payload: cancellation,
    listen(fn) {
      cancellation.once('abort', fn);
      return () => cancellation.removeListener('abort', fn);
    },
  };
});
observer.disconnect();
