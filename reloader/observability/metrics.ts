import { Counter, Histogram, Registry } from 'prom-client';

/** The reloader's Prometheus metrics, on their own registry. */
export interface ReloaderMetrics {
  registry: Registry;
  rollouts: Counter<'outcome'>;
  rolloutDuration: Histogram<'outcome'>;
  nodeRestartDuration: Histogram<'outcome'>;
  validationFailures: Counter;
  /** Wrong admin credentials on the control plane (page, /api, POST /rollout). */
  loginFailures: Counter;
  /** Client IPs locked out after too many wrong credentials. */
  loginLockouts: Counter;
}

/** Creates the metrics; a fresh registry each time, so tests do not collide. */
export function createMetrics(): ReloaderMetrics {
  const registry = new Registry();
  const buckets = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
  return {
    registry,
    rollouts: new Counter({ name: 'reloader_rollouts_total', help: 'Rollouts by outcome', labelNames: ['outcome'], registers: [registry] }),
    rolloutDuration: new Histogram({
      name: 'reloader_rollout_duration_seconds',
      help: 'Duration of whole rollouts',
      labelNames: ['outcome'],
      buckets,
      registers: [registry],
    }),
    nodeRestartDuration: new Histogram({
      name: 'reloader_node_restart_duration_seconds',
      help: 'Per-node time from out of rotation to healthy on the new config',
      labelNames: ['outcome'],
      buckets,
      registers: [registry],
    }),
    validationFailures: new Counter({
      name: 'reloader_config_validation_failures_total',
      help: 'Config edits rejected by validation',
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: 'reloader_login_failures_total',
      help: 'Requests with wrong admin credentials',
      registers: [registry],
    }),
    loginLockouts: new Counter({
      name: 'reloader_login_lockouts_total',
      help: 'Client IPs locked out for a while after too many wrong admin credentials',
      registers: [registry],
    }),
  };
}
