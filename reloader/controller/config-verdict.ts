import type { Logger } from '../../shared/logger.js';
import { describeIssues, type ConfigEvaluation } from '../config/evaluate.js';
import { shortFp } from '../format.js';
import { LogEvent } from '../observability/log-events.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import type { RolloutState } from './rollout-state.js';

/** What a verdict on the file means for the controller: a new target, the old one valid again, or nothing to do. */
export type VerdictOutcome = 'changed' | 'valid-again' | 'none';

/**
 * Takes a verdict on the config file into the rollout state (on the controller's behalf: it
 * alone calls this) and logs it. An invalid or missing file changes no target; a new valid
 * fingerprint becomes the target and clears any halt.
 */
export function applyConfigVerdict(
  state: RolloutState,
  previous: ConfigEvaluation | undefined,
  evaluation: ConfigEvaluation,
  deps: { logger: Logger; metrics: ReloaderMetrics },
): VerdictOutcome {
  const log = deps.logger;
  // Remembered for the node being restarted: if it fails, the file may be what broke it.
  if (evaluation.kind !== 'valid') state.invalidSinceStep = true;
  if (evaluation.kind === 'missing') {
    log.warn({ event: LogEvent.configMissing }, `config file missing (${evaluation.error}): keeping the last good config, restarting nothing`);
    return 'none';
  }
  if (evaluation.kind === 'invalid') {
    deps.metrics.validationFailures.inc();
    log.error(
      { event: LogEvent.configInvalid, issues: evaluation.issues },
      `config invalid: ${describeIssues(evaluation.issues)} (restarting nothing; the nodes keep the last good config)`,
    );
    return 'none';
  }
  if (evaluation.unsupported.length > 0 && previous?.kind !== 'valid') {
    log.warn({ event: LogEvent.configUnsupported, unsupported: evaluation.unsupported }, 'config has settings the gateway ignores');
  }
  const before = state.desired;
  if (before === evaluation.fingerprint) {
    if (previous?.kind === 'valid') return 'none';
    log.info({ event: LogEvent.configUnchanged }, `config valid again and unchanged (${shortFp(before)})`);
    return 'valid-again';
  }
  state.desired = evaluation.fingerprint;
  state.acceptable.add(evaluation.fingerprint);
  state.halted = undefined;
  if (before === undefined) log.info({ event: LogEvent.configLoaded }, `config loaded (${shortFp(evaluation.fingerprint)})`);
  else log.info({ event: LogEvent.configChanged }, `config changed (${shortFp(before)} -> ${shortFp(evaluation.fingerprint)})`);
  return 'changed';
}
