/** What a node's GET /health said, or that it did not answer. */
export interface NodeHealth {
  reachable: boolean;
  /** `ok` (200), `draining` (503 after SIGTERM), or whatever else the node said. */
  status?: string;
  fingerprint?: string;
  inFlight?: number;
}

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
