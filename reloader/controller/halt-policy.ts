import type { Logger } from '../../shared/logger.js';
import { LogEvent } from '../observability/log-events.js';
import type { HaltRecord } from '../rollout/run.js';
import type { RolloutState } from './rollout-state.js';

/** What the controller knows when it decides whether a halted rollout may go on by itself. */
export interface ResumeContext {
  /** The newest valid fingerprint (the rollout's target). */
  desired: string | undefined;
  /** True when the file as last read is valid. */
  fileValid: boolean;
  /** True when the platform's API answered the last observation. */
  dockerReachable: boolean;
}

/**
 * True when the cause of a halt is gone, so the rollout resumes without a person: an API
 * outage once the API answers; a node that crashed on an invalid file once the file is valid
 * again (the same target or a newer one). A node that did not come back on a good file (or
 * another step error) waits for a new edit or POST /rollout: retrying it blindly would
 * restart the same failing node over and over.
 */
export function shouldResume(halt: HaltRecord, context: ResumeContext): boolean {
  if (halt.cause === 'docker-unavailable') return context.dockerReachable;
  if (halt.cause === 'config-invalid') return context.fileValid && context.desired !== undefined;
  return false;
}

/** Clears the state's halt when its cause is gone (see shouldResume), saying so; the controller's pass then plans as usual. */
export function clearResolvedHalt(state: RolloutState, context: ResumeContext, logger: Logger): void {
  const halted = state.halted;
  if (!halted || !shouldResume(halted, context)) return;
  state.halted = undefined;
  const why = halted.cause === 'docker-unavailable' ? 'the Docker API answers again' : 'the config file is valid again';
  logger.info({ event: LogEvent.rolloutResuming, node: halted.node, cause: halted.cause }, `resuming the rollout halted at ${halted.node}: ${why}`);
}
