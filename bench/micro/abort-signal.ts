/**
 * Micro-benchmark behind a profile finding: the cost per upstream call of
 * `AbortSignal.any([clientSignal, AbortSignal.timeout(ms)])` (gateway/providers/shared/upstream-http.ts)
 * against one AbortController with an unref'd timer. CPU time, not wall time, so a busy box
 * distorts it less. `tsx bench/micro/abort-signal.ts`
 */
const N = 20_000;
const TIMEOUT_MS = 30_000;

function cpuUsPerOp(run: () => void): number {
  const before = process.cpuUsage();
  for (let i = 0; i < N; i += 1) run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

const composite = cpuUsPerOp(() => {
  const client = new AbortController();
  AbortSignal.any([client.signal, AbortSignal.timeout(TIMEOUT_MS)]);
});

const timers: NodeJS.Timeout[] = [];
const single = cpuUsPerOp(() => {
  const client = new AbortController();
  const attempt = new AbortController();
  const onAbort = (): void => attempt.abort(client.signal.reason);
  client.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => attempt.abort(new Error('timeout')), TIMEOUT_MS);
  timer.unref();
  timers.push(timer);
});
for (const timer of timers) clearTimeout(timer);

console.log(`Node ${process.version}, ${N} calls each (CPU µs per call):`);
console.log(`  AbortSignal.any([client, AbortSignal.timeout()])   ${composite.toFixed(1)}`);
console.log(`  AbortController + listener + unref'd setTimeout    ${single.toFixed(1)}`);
