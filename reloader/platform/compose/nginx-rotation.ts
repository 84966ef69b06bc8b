import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RotationError } from '../../errors.js';
import { LogEvent } from '../../observability/log-events.js';
import type { DockerPort } from './docker-port.js';
import type { Logger } from '../../../shared/logger.js';
import { parseGeneration, renderGenerationConf, renderServersConf, rotationKey, type RotationServer } from './render-rotation.js';
import { sleep } from '../../../shared/backoff.js';

/** What applying a rotation did. */
export interface RotationResult {
  /** False when no load-balancer container exists: the files were written, nobody reloaded. */
  confirmed: boolean;
  generation: number;
}

/** Controls which gateway nodes nginx sends requests to. */
export interface RotationControl {
  /** Makes the load balancer route to exactly `servers`; resolves once it confirmed the change. */
  apply(servers: readonly RotationServer[]): Promise<RotationResult>;
  /** The key (see rotationKey) of the last list nginx confirmed; undefined before the first, and after a failed apply (then unknown). */
  appliedKey(): string | undefined;
  /** For the status API. */
  describe(): { generation: number; servers: RotationServer[]; loadBalancer: string | null };
}

// Re-exported: callers of the rotation catch it from here.
export { RotationError };

/** Settings of the nginx rotation control. */
export interface NginxRotationOptions {
  docker: DockerPort;
  logger: Logger;
  rotationDir: string;
  gatewayPort: number;
  statusPort: number;
  timeoutMs: number;
  pollMs?: number;
}

/**
 * Rotation through nginx: writes servers.conf and generation.conf atomically, sends SIGHUP
 * to the load-balancer container through the Docker API, then polls nginx's internal
 * :8081/rotation until it answers the new generation (so the old workers are gone from
 * the picture for new requests before a node is stopped).
 */
export async function createNginxRotation(options: NginxRotationOptions): Promise<RotationControl> {
  const existing = await readFile(join(options.rotationDir, 'generation.conf'), 'utf8').catch(() => '');
  let generation = parseGeneration(existing) ?? 0;
  let servers: RotationServer[] = [];
  let key: string | undefined;
  let loadBalancer: string | null = null;
  let warnedMissing = false;

  return {
    appliedKey: () => key,
    describe: () => ({ generation, servers: [...servers], loadBalancer }),
    async apply(next) {
      generation += 1;
      try {
        return await writeAndReload(next);
      } catch (error) {
        // The files may be written and nginx reloading them, or not: what it routes to is
        // unknown, so the next sync of any list (even the last confirmed one) writes and reloads.
        key = undefined;
        throw error;
      }
    },
  };

  /** Writes the files, then reloads nginx and waits until it shows the new generation. */
  async function writeAndReload(next: readonly RotationServer[]): Promise<RotationResult> {
    await writeAtomically(join(options.rotationDir, 'servers.conf'), renderServersConf(next, options.gatewayPort, generation));
    await writeAtomically(join(options.rotationDir, 'generation.conf'), renderGenerationConf(generation));
    servers = [...next];
    const [nginx] = (await options.docker.listManaged('load-balancer')).filter((c) => c.state === 'running');
    if (!nginx) {
      loadBalancer = null;
      key = rotationKey(next);
      if (!warnedMissing) {
        options.logger.warn(
          { event: LogEvent.loadBalancerMissing },
          'no running load-balancer container found: relying on each node draining itself (503 + Connection: close)',
        );
        warnedMissing = true;
      }
      return { confirmed: false, generation };
    }
    warnedMissing = false;
    loadBalancer = nginx.name;
    const ip = Object.keys(nginx.networks)
      .sort()
      .map((n) => nginx.networks[n])
      .find((v): v is string => typeof v === 'string');
    if (!ip) throw new RotationError(`load balancer ${nginx.name} has no IP address`, 'LOAD_BALANCER_NO_ADDRESS');
    await options.docker.signal(nginx.id, 'SIGHUP');
    await waitForGeneration(`http://${ip}:${options.statusPort}/rotation`, generation, options);
    key = rotationKey(next);
    options.logger.debug({ event: LogEvent.rotationApplied, generation, servers: next.map((s) => s.name) }, 'nginx rotation applied');
    return { confirmed: true, generation };
  }
}

async function waitForGeneration(url: string, generation: number, options: NginxRotationOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = (await response.text()).trim();
      if (Number(last) >= generation) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(options.pollMs ?? 100);
  }
  throw new RotationError(`nginx did not show rotation generation ${generation} within ${options.timeoutMs} ms (last answer: ${last || 'none'})`);
}

/** Write-then-rename, so nginx never reads a half-written include. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
}
