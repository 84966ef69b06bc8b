import { isServing, sortNodes, type ObservedNode } from './node.js';

/** Inputs of one planning decision. */
export interface PlanInput {
  nodes: readonly ObservedNode[];
  /** Fingerprint of the newest valid config file. */
  desired: string;
  /** Node ids to restart whatever they run (POST /rollout). */
  forced?: ReadonlySet<string>;
  /** The node a halted rollout stopped at: a new rollout begins with it. */
  failedNodeId?: string;
  /** The node this rollout restarted last: the next one is searched after it, in order. */
  lastRestartedId?: string;
  /** Nodes someone else asked to stop (see LeavingNodes): never restarted. */
  leaving?: ReadonlySet<string>;
}

/** What to do next. */
export type Plan =
  | { kind: 'done' }
  | { kind: 'wait'; reason: string }
  | { kind: 'restart'; node: ObservedNode; position: number; total: number; onlyNode: boolean; why: 'stale' | 'forced' | 'failed-before' };

/**
 * Decides the next step of a rollout from observed state alone. One node at a time;
 * the failed node of a halted rollout first; then the next node after the last restarted
 * one (wrapping, so nodes restarted on an older file are done again); never the last
 * node that serves, unless it is the only node there is.
 */
export function planRollout(input: PlanInput): Plan {
  const ordered = sortNodes(input.nodes);
  const forced = input.forced ?? new Set<string>();
  const leaving = input.leaving ?? new Set<string>();
  const pending = ordered.filter((node) => {
    if (node.id === input.failedNodeId) return true;
    if (!node.running || isLeaving(node, leaving)) return false;
    // A container still starting up is judged once it answers: it may well load the new file.
    if (!node.health.reachable && node.dockerHealth === 'starting') return false;
    return forced.has(node.id) || isStale(node, input.desired);
  });
  // A node still booting is out of rotation already: taking another out now would leave two
  // out at once (a node started again after an interruption, say). Wait until it serves or
  // Docker gives up on it (unhealthy).
  const booting = ordered.filter((n) => n.running && !isServing(n) && n.dockerHealth === 'starting' && n.id !== input.failedNodeId);
  if (booting.length > 0) return { kind: 'wait', reason: `waiting for ${booting.map((n) => n.name).join(', ')} to start` };
  if (pending.length === 0) return { kind: 'done' };

  const candidates = orderCandidates(ordered, pending, input);
  const servingCount = ordered.filter(isServing).length;
  for (const node of candidates) {
    const wouldLeaveNone = isServing(node) && servingCount <= 1;
    if (wouldLeaveNone && ordered.length > 1) continue;
    return {
      kind: 'restart',
      node,
      position: ordered.indexOf(node) + 1,
      total: ordered.length,
      onlyNode: ordered.length === 1,
      why: node.id === input.failedNodeId ? 'failed-before' : node.health.fingerprint === input.desired ? 'forced' : 'stale',
    };
  }
  const last = candidates[0] as ObservedNode;
  return { kind: 'wait', reason: `${last.name} is the last healthy node: waiting for another node to serve before restarting it` };
}

function orderCandidates(ordered: ObservedNode[], pending: ObservedNode[], input: PlanInput): ObservedNode[] {
  const failed = pending.filter((n) => n.id === input.failedNodeId);
  const rest = pending.filter((n) => n.id !== input.failedNodeId);
  const cursor = input.lastRestartedId === undefined ? -1 : ordered.findIndex((n) => n.id === input.lastRestartedId);
  if (cursor < 0) return [...failed, ...rest];
  const after = rest.filter((n) => ordered.indexOf(n) > cursor);
  const before = rest.filter((n) => ordered.indexOf(n) <= cursor);
  return [...failed, ...after, ...before];
}

/** Asked to stop by someone else, or draining after its SIGTERM: restarting it would undo that stop. */
function isLeaving(node: ObservedNode, leaving: ReadonlySet<string>): boolean {
  return leaving.has(node.id) || (node.health.reachable && node.health.status === 'draining');
}

/**
 * Runs another file than `desired`. A node that does not answer /health runs an unknown
 * file: it counts as stale only when the platform calls it broken (unhealthy) or cannot
 * tell (no health check). While Docker still calls it healthy it has most likely just
 * closed its listener to exit, and the next observation says more.
 */
function isStale(node: ObservedNode, desired: string): boolean {
  if (node.health.reachable) return node.health.fingerprint !== desired;
  return node.dockerHealth === 'unhealthy' || node.dockerHealth === 'none';
}
