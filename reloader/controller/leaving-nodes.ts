import type { NodeChange } from '../platform/platform.js';
import type { ObservedNode } from '../rollout/node.js';

/**
 * A node that answers `ok` this long after it was asked to stop survived the signal (a
 * `docker kill -s HUP`, say): it is not leaving after all.
 */
const SURVIVED_SIGNAL_MS = 10_000;

/**
 * The nodes someone asked to stop (Docker's `kill` or `stop` event) that have not started
 * since: an operator's `docker stop`, a scale-down, scripts/rolling-replace.sh retiring a
 * node. A rollout must never restart one: its start would undo the stop, and the caller's
 * `docker rm` that follows would fail on a running container. Between the node closing its
 * listener and its process exiting, its /health does not answer, which alone would read as
 * "fingerprint unknown, restart it".
 *
 * The rollout's own stops are noted too; the start that follows at once forgets them.
 */
export class LeavingNodes {
  private readonly since = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Follows one platform event. */
  note(change: NodeChange): void {
    if (change.what === 'leaving') {
      if (!this.since.has(change.id)) this.since.set(change.id, this.now());
    } else if (change.what === 'started') {
      this.since.delete(change.id);
    }
  }

  /**
   * Forgets what a fresh observation contradicts: nodes that are gone or no longer run
   * (nothing to protect), and nodes still serving `ok` well after the signal.
   */
  reconcile(nodes: readonly ObservedNode[]): void {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const [id, at] of this.since) {
      const node = byId.get(id);
      const survived = node?.health.status === 'ok' && this.now() - at > SURVIVED_SIGNAL_MS;
      if (!node?.running || survived) this.since.delete(id);
    }
  }

  /** The ids of the nodes leaving now. */
  ids(): ReadonlySet<string> {
    return new Set(this.since.keys());
  }
}
