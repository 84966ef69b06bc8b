import type { ConfigEvaluation } from '../config/evaluate.js';
import type { ObservedNode } from '../rollout/node.js';
import type { HaltRecord, RolloutControl } from '../rollout/run.js';

/** The rollout state. The controller alone writes it; a running rollout reports back through RolloutControl. */
export interface RolloutState {
  /** Fingerprint of the newest valid config file. */
  desired: string | undefined;
  /** The node the last halted rollout stopped at; the next rollout begins with it. */
  failedNodeId: string | undefined;
  /** Set when a rollout halted; shouldResume says when it resumes by itself. */
  halted: HaltRecord | undefined;
  /** Fingerprints a node being restarted may come back on: the target and any newer valid edit. */
  acceptable: Set<string>;
  /** Set when the file was read invalid or missing; cleared as a node restart begins. */
  invalidSinceStep: boolean;
  stopping: boolean;
}

/** The state before any config was read. */
export function createRolloutState(): RolloutState {
  return { desired: undefined, failedNodeId: undefined, halted: undefined, acceptable: new Set(), invalidSinceStep: false, stopping: false };
}

/** What the controller does with a rollout's reports that touch more than the state. */
export interface RolloutHooks {
  forcedNodeIds: () => ReadonlySet<string>;
  nodeReloaded: (nodeId: string) => void;
  observed: (nodes: ObservedNode[]) => void;
  leavingNodeIds: () => ReadonlySet<string>;
  observedNode: (node: ObservedNode) => void;
  configRead: (evaluation: ConfigEvaluation) => void;
  applyRotation: (excludeId?: string) => Promise<void>;
}

/**
 * The rollout's view of the controller's state: reads, and reports that change the state
 * here, on the controller's side, so the rollout never holds a writable reference to it.
 */
export function createRolloutControl(state: RolloutState, hooks: RolloutHooks): RolloutControl {
  return {
    desired: () => state.desired,
    stopping: () => state.stopping,
    failedNodeId: () => state.failedNodeId,
    isAcceptable: (fingerprint) => state.acceptable.has(fingerprint),
    nodeRestartBegun: (target) => {
      state.acceptable = new Set([target]);
      state.invalidSinceStep = false;
    },
    fileInvalidDuringStep: () => state.invalidSinceStep,
    nodeRestarted: (nodeId) => {
      if (state.failedNodeId === nodeId) state.failedNodeId = undefined;
    },
    nodeFailed: (nodeId, halt) => {
      // After an API outage the node is started again from the journal and judged like any
      // other; it need not be restarted first.
      if (halt.cause !== 'docker-unavailable') state.failedNodeId = nodeId;
      state.halted = halt;
    },
    ...hooks,
  };
}
