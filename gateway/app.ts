import { hostname } from 'node:os';
import { RouteTable } from './http/route-table.js';
import type Koa from 'koa';
import { GatewayKoa } from './http/gateway-koa.js';
import type { RuntimeConfig } from '../shared/config/index.js';
import type { CancelSignal } from './core/cancellation.js';
import { Dispatcher } from './core/dispatcher.js';
import type { AppDeps } from './http/app-deps.js';
import type { DrainMode } from './http/middleware/drain-gate.js';
import { createRequestContextMiddleware } from './http/middleware/request-context.js';
import { registerAnthropicRoutes } from './http/routes/anthropic.js';
import { registerChatRoutes } from './http/routes/chat.js';
import { registerCompletionsRoutes } from './http/routes/completions.js';
import { registerEmbeddingsRoutes } from './http/routes/embeddings.js';
import { registerGenaiRoutes } from './http/routes/genai.js';
import { registerHealthRoutes } from './http/routes/health.js';
import { registerMetricsRoutes } from './http/routes/metrics.js';
import { registerModelsRoutes } from './http/routes/models.js';
import { Lifecycle } from './lifecycle/lifecycle.js';
import { registerConfigSecrets } from './security/secret-redaction.js';
import type { Logger } from '../shared/logger.js';
import { AccessLogSink } from './observability/access-log-sink.js';
import { GatewayMetrics } from './observability/metrics.js';
import { MetricsSink } from './observability/metrics-sink.js';
import { ModelLabels } from './observability/model-labels.js';
import { ModelSeriesTable } from './observability/model-series.js';
import type { OutcomeSink } from './request/outcome.js';
import type { PreDispatchCheck } from './request/pre-dispatch.js';
import type { GovernanceRuntime } from './governance/create-governance.js';
import { GovernanceSeams } from './governance/governance-seams.js';
import { registerGovernanceRoutes } from './governance/usage-route.js';
import { RequestLogSink } from './request-log/request-log-sink.js';
import type { RequestLog } from './request-log/start-request-log.js';
import { registerLogRoutes } from './http/routes/logs.js';
import type { PriceTable } from './governance/prices.js';

export type { AppDeps } from './http/app-deps.js';

/** Options for building a node's parts; everything but config and logger has a default. */
export interface BuildDepsOptions {
  logger: Logger;
  nodeName?: string;
  metrics?: GatewayMetrics;
  /** Random source for key choice and jitter (tests: seeded). */
  random?: () => number;
  /** Wait between retries (tests: instant). */
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  /** Sinks for request outcomes, after the metrics and the access log (request logs, governance). */
  outcomeSinks?: OutcomeSink[];
  /** Checks run before every inference dispatch, after governance's. */
  preDispatchChecks?: PreDispatchCheck[];
  /** DRAIN_MODE: refuse (default) or serve new requests while draining. */
  drainMode?: DrainMode;
  /** Governance (createGovernance, on the same metrics registry): its check runs first, its sink settles usage. */
  governance?: GovernanceRuntime;
  /** The running request log (see openRequestLog), when logs_store is on. */
  requestLog?: RequestLog;
  /** Prices for the request log's cost column (GOVERNANCE_PRICES_FILE); the shipped table without. */
  prices?: PriceTable;
}

/** Builds the parts a node's app runs on: metrics, lifecycle, dispatcher, outcome sinks. */
export function buildAppDeps(config: RuntimeConfig, options: BuildDepsOptions): AppDeps {
  // Before any request: from now on no upstream-derived text leaves the node with a secret in it.
  registerConfigSecrets(config);
  const metrics = options.metrics ?? new GatewayMetrics();
  const lifecycle = new Lifecycle((count) => metrics.inFlight.set(count));
  const modelSeries = new ModelSeriesTable(metrics, new ModelLabels(config.providers));
  const dispatcher = new Dispatcher(config, {
    metrics,
    modelSeries,
    logger: options.logger,
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const seams = options.governance ? new GovernanceSeams(options.governance.governor) : undefined;
  const outcomeSinks: OutcomeSink[] = [
    new MetricsSink(modelSeries),
    new AccessLogSink(options.logger),
    ...(seams ? [seams.sink] : []),
    ...(options.requestLog ? [new RequestLogSink(options.requestLog, options.prices)] : []),
    ...(options.outcomeSinks ?? []),
  ];
  return {
    config,
    dispatcher,
    logger: options.logger,
    metrics,
    lifecycle,
    nodeName: options.nodeName ?? hostname(),
    outcomeSinks,
    drainMode: options.drainMode ?? 'refuse',
    preDispatchChecks: [...(seams ? [seams.check] : []), ...(options.preDispatchChecks ?? [])],
    ...(options.governance ? { governance: options.governance } : {}),
    requestLog: options.requestLog,
  };
}

/**
 * Builds the node's Koa app; never listens (start-node.ts and the tests do). Route modules each
 * register their paths on one router; provider teams add one line here for drop-in routes.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new GatewayKoa();
  // The Error itself, so that its stack and code reach the log.
  app.on('error', (error: Error) => deps.logger.warn({ err: error }, 'http error'));

  // Request id and state, CORS, the drain gate and error answers, in one middleware.
  app.use(createRequestContextMiddleware(deps));

  const router = new RouteTable();
  registerHealthRoutes(router, deps);
  registerMetricsRoutes(router, deps);
  registerChatRoutes(router, deps);
  registerCompletionsRoutes(router, deps);
  registerEmbeddingsRoutes(router, deps);
  registerModelsRoutes(router, deps);
  registerAnthropicRoutes(router, deps);
  registerGenaiRoutes(router, deps);
  if (deps.governance) registerGovernanceRoutes(router, deps.governance, deps.config.adminAuth);
  registerLogRoutes(router, { requestLog: deps.requestLog, adminAuth: deps.config.adminAuth, logger: deps.logger });
  app.use(router.routes());
  return app;
}
