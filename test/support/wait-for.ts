/**
 * Polls `check` every 10 ms until it holds, failing after `timeoutMs`. For state that
 * settles just after a response (a counter dropping to 0), not for timing assertions.
 */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
