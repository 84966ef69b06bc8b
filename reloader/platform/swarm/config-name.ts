import { createHash } from 'node:crypto';
import type { ConfigInfo } from './swarm-port.js';

/** The name prefix of the configs the gateway service mounts. */
export const CONFIG_NAME_PREFIX = 'gateway-config-';

/**
 * `gateway-config-<first 12 hex of sha256(bytes)>`: Swarm configs are immutable, so new
 * content needs a new name, and the same content always gets the same one. It matches
 * `sha256sum config.json | cut -c1-12`, which the stack deploy command uses for the first one.
 */
export function configNameFor(bytes: Buffer): string {
  return CONFIG_NAME_PREFIX + createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

/**
 * The configs to remove: everything but the ones in use (current and rollback target) and
 * the `keep` newest others (an operator's manual rollback), oldest first.
 */
export function chooseConfigsToPrune(configs: readonly ConfigInfo[], inUse: ReadonlySet<string>, keep: number): ConfigInfo[] {
  const spare = configs.filter((c) => c.name.startsWith(CONFIG_NAME_PREFIX) && !inUse.has(c.name));
  const newestFirst = [...spare].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
  return newestFirst.slice(keep).reverse();
}
