import type { RuntimeConfig } from '../../shared/config/index.js';
import type { Dispatcher } from '../core/dispatcher.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Logger } from '../../shared/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { OutcomeSink } from '../request/outcome.js';
import type { DrainMode } from './middleware/drain-gate.js';
import type { PreDispatchCheck } from '../request/pre-dispatch.js';
import type { GovernanceRuntime } from '../governance/create-governance.js';
import type { RequestLog } from '../request-log/start-request-log.js';

/** What every route module receives: the node's shared parts. */
export interface AppDeps {
  config: RuntimeConfig;
  dispatcher: Dispatcher;
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
  /** Reported as `node` on /health and `x-gateway-node` on every response (os.hostname()). */
  nodeName: string;
  /** Where each request's outcome goes when its response closes (metrics, access log, ...). */
  outcomeSinks: OutcomeSink[];
  /** Run before every inference dispatch; one throwing refuses the request (governance). */
  preDispatchChecks: PreDispatchCheck[];
  /** What a draining node does with new requests (default `refuse`). */
  drainMode?: DrainMode;
  /** The node's governance, when config.json has a governance section. */
  governance?: GovernanceRuntime;
  /** The request log (`logs_store`), when on: an outcome sink, and read by /api/logs. */
  requestLog: RequestLog | undefined;
}
