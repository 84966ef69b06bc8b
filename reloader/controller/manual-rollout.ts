import type { ObservedNode } from '../rollout/node.js';

/** A POST /rollout still owed, for /status: when it was asked and the nodes still to restart. */
export interface ManualRolloutView {
  requested_at: string;
  /** Names of the nodes not restarted yet since the request. */
  pending: string[];
}

/**
 * POST /rollout's request, kept until every node it covers has been restarted: a pass that has
 * to wait (a node still booting), a rollout that fails (the Docker API away) or pauses (an invalid
 * save) leaves the rest owed, and a later pass restarts them. The nodes already run the file's
 * fingerprint, so nothing else would ever restart them.
 */
export class PendingManualRollout {
  private requestedAt: string | undefined;
  /** The ids still owed; undefined until the first observation after the request fixes the set. */
  private owed: Set<string> | undefined;

  /** A new request: every node there is at the next pass, even those an earlier request restarted. */
  request(now: Date = new Date()): void {
    this.requestedAt = now.toISOString();
    this.owed = undefined;
  }

  /**
   * The ids still owed, from a fresh observation: a new request takes every running node; a node
   * removed or stopped since drops out (when it starts again it loads the file anyway).
   */
  forcedIds(nodes: readonly ObservedNode[]): ReadonlySet<string> {
    if (this.requestedAt === undefined) return new Set();
    const running = new Set(nodes.filter((node) => node.running).map((node) => node.id));
    this.owed = new Set([...(this.owed ?? running)].filter((id) => running.has(id)));
    this.forgetIfDone();
    return this.owed ?? new Set();
  }

  /** The ids still owed right now (a running rollout reads them before each node). */
  owedIds(): ReadonlySet<string> {
    return this.owed ?? new Set();
  }

  /** The node has been stopped (or replaced) by a restart: it loads the file anew as it starts, so it is owed nothing more. */
  restarted(id: string): void {
    this.owed?.delete(id);
    this.forgetIfDone();
  }

  /** For /status; null when nothing is owed. A request not yet planned covers every node seen. */
  describe(nodes: readonly ObservedNode[]): ManualRolloutView | null {
    if (this.requestedAt === undefined) return null;
    const owed = this.owed;
    const pending = nodes.filter((node) => (owed === undefined ? node.running : owed.has(node.id))).map((node) => node.name);
    return { requested_at: this.requestedAt, pending };
  }

  private forgetIfDone(): void {
    if (this.owed !== undefined && this.owed.size === 0) {
      this.requestedAt = undefined;
      this.owed = undefined;
    }
  }
}
