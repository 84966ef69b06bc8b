import type { NodeHealth } from '../rollout/node.js';

/** Reads a gateway node's /health. The stand-in for tests answers from memory. */
export interface HealthProbe {
  probe(ip: string): Promise<NodeHealth>;
}

/** Probes http://<ip>:<port>/health with a short timeout; never throws. */
export function createHttpHealthProbe(port: number, timeoutMs = 2000): HealthProbe {
  return {
    async probe(ip: string): Promise<NodeHealth> {
      try {
        const response = await fetch(`http://${ip}:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        return {
          reachable: true,
          status: typeof body.status === 'string' ? body.status : `http ${response.status}`,
          ...(typeof body.config_fingerprint === 'string' ? { fingerprint: body.config_fingerprint } : {}),
          ...(typeof body.in_flight === 'number' ? { inFlight: body.in_flight } : {}),
        };
      } catch {
        return { reachable: false };
      }
    },
  };
}
