import type { ObservedNode } from '../rollout/node.js';

/** One gateway node in the load balancer's rotation. */
export interface RotationServer {
  name: string;
  ip: string;
}

/** The load balancer's rotation as last applied, for GET /status. */
export interface RotationView {
  generation: number;
  servers: RotationServer[];
  /** The load balancer's name, or null when none was found. */
  loadBalancer: string | null;
}

/**
 * A change to a node the platform reports as it happens: `leaving` (asked to stop: SIGTERM or
 * SIGKILL sent), `gone` (exited or removed), `started`, `health` (its health check flipped),
 * or `resync` (the feed was interrupted: look at every node again).
 */
export interface NodeChange {
  id: string;
  what: 'leaving' | 'gone' | 'started' | 'health' | 'resync';
}

/**
 * A restart step a platform reports while it restarts a node (it becomes a /status note):
 * compose stops then starts a container; Swarm swaps the service's config, then reports the
 * slot's new task started (the old one stops once the new one is healthy).
 */
export type RestartProgress = 'stopped' | 'started' | 'config-swapped';

/**
 * THE SEAM: everything the controller and the rollout need from the place the gateway nodes
 * run. Today's implementation is Docker Compose + nginx (platform/compose/); a Docker Swarm
 * or Kubernetes one sits beside it and the controller and rollout logic stay as they are.
 *
 * Contract:
 * - Only nodes of the reloader's own deployment (compose project, swarm stack, namespace)
 *   are ever observed or acted on; every acting method refuses anything else (NOT_MANAGED).
 * - Methods throw a ReloaderError with code DOCKER_UNAVAILABLE when the platform's API
 *   cannot be reached after its own retries; the controller backs off and tries again.
 * - Node ids are the platform's (container id, task id, pod uid); they are stable for the
 *   life of a node and survive its restart (the journal relies on it).
 * - At most one restartNode runs at a time: the controller is single-flight.
 */
export interface Platform {
  /** What is managed, for log lines: compose's project name, the swarm stack, the namespace. */
  readonly scope: string;

  /** Every gateway node, each running one probed on its /health. Throws when the platform is unreachable. */
  observeNodes(): Promise<ObservedNode[]>;
  /** One node, freshly observed; undefined when it is gone. */
  observeNode(id: string): Promise<ObservedNode | undefined>;

  /**
   * Keeps the load balancer's rotation in step with `nodes`: the serving ones, minus
   * `excludeId` (the node about to restart). Resolves once the load balancer confirmed a
   * change, or at once when nothing changed. A platform whose engine balances by itself
   * (swarm's routing mesh, a Kubernetes Service) applies nothing here.
   */
  syncRotation(nodes: readonly ObservedNode[], excludeId?: string): Promise<void>;
  /** The rotation as last applied, for the status API. */
  describeRotation(): RotationView;
  /**
   * True when the platform itself takes a node out of its load balancer before stopping it
   * and lets it drain (Swarm's VIP, a Kubernetes Service): the rollout then skips its own
   * out-of-rotation and drain steps.
   */
  readonly managesRotation?: boolean;

  /**
   * Restarts one node so it loads the config on disk now, reporting each step as it is
   * done. Resolves once the platform has started it again; the caller then waits for the
   * node's /health to show the new fingerprint (via observeNode). Compose: stop, start.
   * Swarm: swap the service's hash-named config in and let update_config roll that task.
   */
  restartNode(node: ObservedNode, onProgress: (step: RestartProgress) => void): Promise<void>;
  /**
   * Reports node changes as they happen (Docker events), so a node that leaves (scale down,
   * `docker stop`, a crash) leaves the rotation at once rather than at the next periodic pass.
   * Returns a function that stops watching.
   */
  watchNodes(onChange: (change: NodeChange) => void): () => void;
  /** The node's last `lines` lines of output, for the report of a failed restart. */
  logsTail(id: string, lines: number): Promise<string[]>;
  /**
   * Finishes a restart that a previous reloader process left half done (it was killed
   * between stop and start): starts the node again if it is not running.
   */
  resumeRestart(node: { id: string; name: string }): Promise<void>;
}
