/** The platform's own view of a node's health: `none` when it runs no health check. */
export type DockerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** What a node's GET /health said, or that it did not answer. */
export interface NodeHealth {
  reachable: boolean;
  /** `ok` (200), `draining` (503 after SIGTERM), or whatever else the node said. */
  status?: string;
  fingerprint?: string;
  inFlight?: number;
}

/** A gateway node as observed right now: the platform's view plus its own /health. */
export interface ObservedNode {
  id: string;
  name: string;
  /** The platform's replica number (compose's container number), the first sort key. */
  number: number;
  running: boolean;
  dockerHealth: DockerHealth;
  /** IP on the network shared with the load balancer, or null when it has none. */
  ip: string | null;
  health: NodeHealth;
}

/** A node that can take traffic now: running, answering ok, and not reported unhealthy by the platform. */
export function isServing(node: ObservedNode): boolean {
  return node.running && node.health.reachable && node.health.status === 'ok' && node.dockerHealth !== 'unhealthy' && node.ip !== null;
}

/** The rollout order: replica number, then name. Deterministic for a given set. */
export function sortNodes(nodes: readonly ObservedNode[]): ObservedNode[] {
  return [...nodes].sort((a, b) => a.number - b.number || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
