import type { Logger } from '../../shared/logger.js';
import { LogEvent } from '../observability/log-events.js';

/**
 * Whether the platform's API answered the last observation, for /status and the retry pace;
 * says in the log when it goes away (on the first failure, then about once a minute) and when
 * it is back, not on every retry.
 */
export class DockerReachability {
  private state: { reachable: boolean; error?: string; failures: number } = { reachable: true, failures: 0 };

  constructor(
    private readonly logger: Logger,
    /** How soon the controller looks again while the API is away, for the log line. */
    private readonly retryMs: number,
  ) {}

  /** True when the last observation got an answer. */
  get reachable(): boolean {
    return this.state.reachable;
  }

  /** For /status: reachable, and the last error while it is not. */
  view(): { reachable: boolean; error?: string } {
    return this.state;
  }

  /** An observation got its answer. */
  answered(): void {
    if (!this.state.reachable) this.logger.info({ event: LogEvent.dockerReachable }, 'Docker API reachable again');
    this.state = { reachable: true, failures: 0 };
  }

  /** An observation failed with `error`. */
  failed(error: unknown): void {
    const failures = this.state.failures + 1;
    const message = (error as Error).message;
    this.state = { reachable: false, error: message, failures };
    if (failures === 1 || failures % 30 === 0) {
      this.logger.warn(
        { event: LogEvent.dockerUnavailable, err: message, failures },
        `Docker API unavailable; retrying in ${(this.retryMs / 1000).toFixed(1)} s`,
      );
    }
  }
}
