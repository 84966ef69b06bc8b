import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`
 * with `what` and the last observation. A deadline on waiting, not a timed assertion: the
 * bound is generous, and only "it never happened" fails.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = options.describe ? await options.describe().catch((e: Error) => e.message) : '';
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}\n${detail}`);
    }
    await sleep(options.intervalMs ?? 500);
  }
}
