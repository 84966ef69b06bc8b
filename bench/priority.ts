import { setPriority } from 'node:os';

/**
 * Raises this process's scheduling priority (children inherit it) so that other work on a
 * shared box disturbs the measurement less; every target gets the same priority, so the
 * comparison stays fair. BENCH_NICE sets the nice value (default -10; 0 disables). Returns
 * the value applied, or undefined when not permitted.
 */
export function raisePriority(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const nice = Number(env.BENCH_NICE ?? -10);
  if (!Number.isInteger(nice) || nice === 0) return undefined;
  try {
    setPriority(nice);
    return nice;
  } catch {
    return undefined;
  }
}
