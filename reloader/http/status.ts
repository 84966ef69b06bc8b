import type { ConfigIssue } from '../../shared/config/index.js';
import type { ConfigEvaluation } from '../config/evaluate.js';
import type { ObservedNode } from '../rollout/node.js';
import type { RotationServer } from '../platform/compose/render-rotation.js';
import type { RolloutRecord, StepPhase } from '../rollout/history.js';
import type { HaltCause } from '../rollout/run.js';
import type { ManualRolloutView } from '../controller/manual-rollout.js';

/** GET /status: what the reloader sees and did. Holds fingerprints, never config content. */
export interface ReloaderStatus {
  config: {
    path: string;
    /** Fingerprint of the file as last read (valid or not). */
    fingerprint: string | null;
    valid: boolean;
    state: 'valid' | 'invalid' | 'missing' | 'unknown';
    issues: ConfigIssue[];
    error?: string;
    unsupported: string[];
    checked_at: string | null;
    /** The newest valid fingerprint: what the nodes are rolled to. */
    target_fingerprint: string | null;
  };
  nodes: Array<{
    name: string;
    id: string;
    running: boolean;
    docker_health: string;
    health: string;
    fingerprint: string | null;
    up_to_date: boolean;
    in_flight: number | null;
    ip: string | null;
    in_rotation: boolean;
    /** Where this node's restart is, while a rollout restarts it (a step phase), else null. */
    rollout_phase: StepPhase | null;
  }>;
  rotation: { generation: number; servers: RotationServer[]; load_balancer: string | null };
  rollouts: { current: RolloutRecord | null; previous: RolloutRecord[] };
  halted: { fingerprint: string; node: string; cause: HaltCause; reason: string } | null;
  waiting: string | null;
  /** A POST /rollout whose nodes are not all restarted yet: when it was asked, and the nodes still owed. */
  manual_rollout: ManualRolloutView | null;
  docker: { reachable: boolean; error?: string };
}

/** Inputs of the status document. */
export interface StatusInput {
  configPath: string;
  config: ConfigEvaluation | undefined;
  desired: string | undefined;
  nodes: readonly ObservedNode[];
  rotation: { generation: number; servers: RotationServer[]; loadBalancer: string | null };
  history: { current: RolloutRecord | null; previous: RolloutRecord[] };
  /** The running rollout, to show each node's phase. */
  current?: RolloutRecord | undefined;
  halted: { fingerprint: string; node: string; cause: HaltCause; reason: string } | undefined;
  waiting: string | undefined;
  manualRollout: ManualRolloutView | null;
  docker: { reachable: boolean; error?: string };
}

/** Assembles the status document. */
export function buildStatus(input: StatusInput): ReloaderStatus {
  const config = input.config;
  const inRotation = new Set(input.rotation.servers.map((s) => s.ip));
  return {
    config: {
      path: input.configPath,
      fingerprint: config && config.kind !== 'missing' ? config.fingerprint : null,
      valid: config?.kind === 'valid',
      state: config?.kind ?? 'unknown',
      issues: config?.kind === 'invalid' ? config.issues : [],
      ...(config?.kind === 'missing' ? { error: config.error } : {}),
      unsupported: config?.kind === 'valid' ? config.unsupported : [],
      checked_at: config?.checkedAt ?? null,
      target_fingerprint: input.desired ?? null,
    },
    nodes: input.nodes.map((node) => ({
      name: node.name,
      id: node.id.slice(0, 12),
      running: node.running,
      docker_health: node.dockerHealth,
      health: node.health.reachable ? (node.health.status ?? 'unknown') : 'unreachable',
      fingerprint: node.health.fingerprint ?? null,
      up_to_date: node.health.fingerprint !== undefined && node.health.fingerprint === input.desired,
      in_flight: node.health.inFlight ?? null,
      ip: node.ip,
      in_rotation: node.ip !== null && inRotation.has(node.ip),
      rollout_phase: phaseOf(input.current, node.id),
    })),
    rotation: { generation: input.rotation.generation, servers: input.rotation.servers, load_balancer: input.rotation.loadBalancer },
    rollouts: input.history,
    halted: input.halted ?? null,
    waiting: input.waiting ?? null,
    manual_rollout: input.manualRollout,
    docker: { reachable: input.docker.reachable, ...(input.docker.error ? { error: input.docker.error } : {}) },
  };
}

/** The latest phase of the running step for node `id`, or null when no rollout restarts it now. */
function phaseOf(current: RolloutRecord | undefined, id: string): StepPhase | null {
  const step = current?.steps.find((s) => s.outcome === 'running' && id.startsWith(s.id));
  return step?.events.at(-1)?.phase ?? null;
}
