/**
 * The `event` field of every reloader log line: a stable kebab-case name that log queries
 * and alerts match on, while the message stays free prose for people.
 */
export const LogEvent = {
  reloaderStarting: 'reloader-starting',
  reloaderListening: 'reloader-listening',
  reloaderStopping: 'reloader-stopping',
  projectResolved: 'project-resolved',
  configLoaded: 'config-loaded',
  configChanged: 'config-changed',
  configUnchanged: 'config-valid-again',
  configInvalid: 'config-invalid',
  configMissing: 'config-missing',
  configUnsupported: 'config-unsupported-settings',
  configChangedUnwatched: 'config-changed-unwatched',
  configCheckFailed: 'config-check-failed',
  watcherError: 'config-watcher-error',
  rolloutRequested: 'rollout-requested',
  rolloutStarted: 'rollout-started',
  rolloutStartupStale: 'rollout-startup-stale-nodes',
  rolloutWaiting: 'rollout-waiting',
  rolloutComplete: 'rollout-complete',
  rolloutEnded: 'rollout-ended',
  rolloutHalted: 'rollout-halted',
  rolloutResuming: 'rollout-resuming',
  nodeStopPending: 'node-stop-pending',
  restartResumed: 'restart-resumed',
  restartResumeFailed: 'restart-resume-failed',
  reconcileFailed: 'reconcile-failed',
  dockerUnavailable: 'docker-unavailable',
  dockerReachable: 'docker-reachable',
  dockerRetry: 'docker-retry',
  dockerEventsFailed: 'docker-events-failed',
  dockerEventsConnected: 'docker-events-connected',
  nodeEvent: 'node-event',
  rotationApplied: 'rotation-applied',
  rotationChanging: 'rotation-changing',
  rotationFailed: 'rotation-failed',
  rotationEmpty: 'rotation-empty',
  loadBalancerMissing: 'load-balancer-missing',
  swarmResolved: 'swarm-resolved',
  swarmConfigSwapped: 'swarm-config-swapped',
  swarmConfigPruned: 'swarm-config-pruned',
  configWritten: 'config-written',
  configWriteFailed: 'config-write-failed',
  apiAuthFailed: 'api-auth-failed',
  apiLoginLocked: 'api-login-locked',
  controlPlaneAccess: 'control-plane-access',
  apiWriteRefused: 'api-write-refused',
} as const;

/** One of the reloader's log event names. */
export type LogEventName = (typeof LogEvent)[keyof typeof LogEvent];

/**
 * The event of a node step's log line: `node-` and the step's phase, e.g. `node-restarting`,
 * `node-stopped`, `node-healthy`, `node-back-in-rotation` (see StepPhase).
 */
export function nodeStepEvent(phase: string): string {
  return `node-${phase}`;
}
