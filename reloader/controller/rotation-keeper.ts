import type { Logger } from '../../shared/logger.js';
import { LogEvent } from '../observability/log-events.js';
import type { Platform } from '../platform/platform.js';
import type { ObservedNode } from '../rollout/node.js';

/**
 * The one way the controller changes the load balancer's rotation. Changes run one after
 * another, each from an observation made in its turn, so a Docker event handled during a
 * rollout can neither put back the node being restarted nor be undone by an older view.
 */
export class RotationKeeper {
  private chain: Promise<void> = Promise.resolve();
  /** The node a rollout has taken out; every change leaves it out until the rollout puts it back. */
  private excludedId: string | undefined;
  private refreshing = false;
  private again = false;

  constructor(
    private readonly platform: Platform,
    private readonly logger: Logger,
    private readonly onObserved: (nodes: ObservedNode[]) => void,
  ) {}

  /** Applies the rotation for nodes the caller has just observed (the controller's pass). */
  sync(nodes: readonly ObservedNode[]): Promise<void> {
    return this.enqueue(() => this.platform.syncRotation(nodes, this.excludedId));
  }

  /**
   * For a rollout: takes `excludeId` out (undefined puts every serving node back), from a
   * fresh observation. Resolves once the load balancer confirmed.
   */
  apply(excludeId?: string): Promise<void> {
    this.excludedId = excludeId;
    return this.enqueue(() => this.observeAndSync());
  }

  /**
   * For an event (a node leaving, crashing, starting): looks at the nodes again and applies
   * at once; a burst of events costs one or two applications. Never throws.
   */
  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    const loop = async () => {
      do {
        this.again = false;
        await this.enqueue(() => this.observeAndSync());
      } while (this.again);
    };
    loop()
      .catch((error: unknown) =>
        this.logger.warn(
          { event: LogEvent.rotationFailed, err: (error as Error).message },
          'could not update nginx rotation after a node event; the next pass retries',
        ),
      )
      .finally(() => (this.refreshing = false));
  }

  /** A rollout ended: no node is held out any more (one that does not serve stays out anyway). */
  release(): void {
    this.excludedId = undefined;
  }

  private async observeAndSync(): Promise<void> {
    const nodes = await this.platform.observeNodes();
    this.onObserved(nodes);
    await this.platform.syncRotation(nodes, this.excludedId);
  }

  private enqueue(change: () => Promise<void>): Promise<void> {
    const run = this.chain.then(change);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
