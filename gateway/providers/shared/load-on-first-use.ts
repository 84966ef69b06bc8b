/**
 * Wraps a dynamic `import()` so a provider's heavy library is loaded on its first use and
 * once only. A node whose config names no such provider then boots without it: faster
 * restarts in a rollout and a smaller idle footprint (bench/RESULTS.md, start-up).
 */
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      // Let a later call try again rather than keep a failed load forever.
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
