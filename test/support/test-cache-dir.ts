import { accessSync, constants, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where tests keep what they fetch or build once and reuse across runs (a Debian rootfs, a Node
 * runtime): E2E_CACHE_DIR, by default /var/cache/ai-gateway-e2e.
 */
export const TEST_CACHE_DIR = process.env.E2E_CACHE_DIR ?? '/var/cache/ai-gateway-e2e';

/**
 * TEST_CACHE_DIR, made if missing; or ai-gateway-e2e under the temp dir where that cannot be
 * written (a developer running tests without root).
 */
export function writableTestCacheDir(): string {
  try {
    mkdirSync(TEST_CACHE_DIR, { recursive: true });
    accessSync(TEST_CACHE_DIR, constants.W_OK);
    return TEST_CACHE_DIR;
  } catch {
    const fallback = join(tmpdir(), 'ai-gateway-e2e');
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}
