import { hostname } from 'node:os';
import { ConfigLoadError, loadConfigFile, shortFingerprint } from '../shared/config/index.js';
import { buildAppDeps, createApp } from './app.js';
import { drainServer } from './lifecycle/drain.js';
import { startIdleMemoryTrim } from './lifecycle/idle-memory-trim.js';
import { handOverStartupSignals } from './lifecycle/startup-signals.js';
import { createHttpServer, listen } from './lifecycle/server.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { readNodeEnv } from './node-env.js';
import { createGovernance, GovernanceSetupError, type GovernanceRuntime } from './governance/create-governance.js';
import { setUpstreamLimits } from './providers/shared/upstream-http.js';
import { openRequestLog } from './request-log/open-request-log.js';
import { RequestLogSetupError } from './request-log/setup-error.js';
import type { RequestLog } from './request-log/start-request-log.js';
import { raceTimeout } from '../shared/race-timeout.js';
import { loadPriceTable } from './governance/prices.js';

/** Least time the request log gets to write its queue on SIGTERM, even after a long drain. */
const MIN_LOG_FLUSH_MS = 2000;
/**
 * The most the exit waits for the shared state (governance settlements, then request-log rows
 * and the log's connections) once the drain deadline has passed. A reachable database takes
 * milliseconds; an unreachable one would otherwise hold the exit until Docker's or Kubernetes'
 * kill. With the drain's own second or two and the last log write it stays under the 20 s the
 * stop timeout gives past the deadline (DEFAULT_NODE_STOP_TIMEOUT_S). Rows still queued past it
 * are dropped and counted.
 */
const STATE_FLUSH_MAX_MS = 15_000;
/** Governance's share: what is left once the request log's flush and close have their least time. */
const GOVERNANCE_CLOSE_MAX_MS = STATE_FLUSH_MAX_MS - 2 * MIN_LOG_FLUSH_MS;

/**
 * Starts the node (main.ts imports this once its start-up signal handlers are in place): load
 * and validate the config (exit 1 with every issue before listening if it is invalid), listen,
 * and drain on SIGTERM/SIGINT.
 */
async function startNode(): Promise<void> {
  const env = readNodeEnv(process.env);
  const logger = createLogger({ level: env.logLevel });

  let loaded: ReturnType<typeof loadConfigFile>;
  try {
    loaded = loadConfigFile(env.configPath, process.env);
  } catch (error) {
    if (error instanceof ConfigLoadError) {
      // Plain text on stderr: a person reads this, and every issue is listed at once.
      process.stderr.write(`${error.message}\n`);
      logger.fatal({ event: 'config-invalid', path: env.configPath, issues: error.issues }, 'invalid config; not starting');
      logger.flush();
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const { config, report } = loaded;
  if (report.unsupported.length > 0) {
    logger.warn(
      { event: 'config-unsupported', settings: report.unsupported },
      `config settings accepted but not implemented by this node: ${report.unsupported.join(', ')}`,
    );
  }
  for (const missing of report.missingVariables) {
    logger.warn(
      { event: 'config-env-missing', variable: missing.variable, used_by: missing.usedBy },
      `environment variable ${missing.variable} is not set; ${missing.usedBy.join(', ')} unusable`,
    );
  }

  setUpstreamLimits(env.upstreamLimits);
  const nodeName = hostname();
  const metrics = new GatewayMetrics({ collectProcessMetrics: true });
  let governance: GovernanceRuntime | undefined;
  try {
    governance = createGovernance(config, { env: env.governance, logger, registry: metrics.registry });
  } catch (error) {
    if (!(error instanceof GovernanceSetupError)) throw error;
    process.stderr.write(`${error.message}\n`);
    logger.fatal({ event: 'governance-invalid', reason: error.message }, 'governance cannot run as configured; not starting');
    logger.flush();
    process.exitCode = 1;
    return;
  }
  if (governance) {
    // Connect and migrate before listening; a store down now is not fatal (the fail mode applies, and it is retried).
    await governance
      .warm()
      .catch((error: unknown) =>
        logger.error({ event: 'governance-store-down', err: { message: (error as Error).message } }, 'governance store unreachable at start-up'),
      );
    logger.info(
      {
        event: 'governance',
        store: governance.storeDescription ?? 'none (no budgets or rate limits)',
        fail_mode: env.governance.failMode,
        virtual_keys: config.governance.virtualKeys.length,
      },
      'governance enforced',
    );
  }
  let requestLog: RequestLog | undefined;
  try {
    requestLog = await openRequestLog(config, { logger, nodeName, registry: metrics.registry });
  } catch (error) {
    if (error instanceof RequestLogSetupError) {
      // A database that no retry will fix (encoding, version, a newer schema): say how to fix it.
      process.stderr.write(`${error.message}\n`);
      logger.fatal({ event: 'request-log-refused', reason: error.message }, 'logs_store unusable; not starting');
      exitAfterFlush(logger, 1);
      return;
    }
    throw error;
  }
  const deps = buildAppDeps(config, {
    logger,
    nodeName,
    metrics,
    drainMode: env.drainMode,
    ...(governance ? { governance } : {}),
    ...(requestLog ? { requestLog } : {}),
    ...(requestLog && env.governance.pricesFile ? { prices: loadPriceTable(env.governance.pricesFile) } : {}),
  });
  const server = createHttpServer(createApp(deps), { headersTimeoutMs: env.headersTimeoutMs, requestTimeoutMs: env.requestTimeoutMs });
  const port = await listen(server, env.port, env.host);
  logger.info(
    {
      event: 'listening',
      host: env.host,
      port,
      node: nodeName,
      config: env.configPath,
      config_fingerprint: shortFingerprint(config.fingerprint),
      providers: [...config.providers.keys()],
    },
    'gateway node listening',
  );

  // A stray rejection must not take down the streams of every other client: log it and go on.
  process.on('unhandledRejection', (reason: unknown) => logger.error({ event: 'unhandled-rejection', err: reason }, 'unhandled promise rejection'));
  // Once start-up or a burst is over, give back what it grew (the image runs Node without V8's memory reducer).
  const idleTrim = startIdleMemoryTrim({ admitted: () => deps.lifecycle.admitted });

  let draining = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) return;
    draining = true;
    idleTrim.stop();
    logger.info({ event: 'signal', signal }, 'shutting down');
    const signalledAt = performance.now();
    drainServer({ server, lifecycle: deps.lifecycle, logger, timeoutMs: env.shutdownTimeoutMs })
      // Usage settled by the last responses, or kept while the store was down, goes out before exit.
      .then(() => closeGovernance(governance, logger))
      // Every response has closed, so every row is queued: write them within what is left of the deadline.
      .then(() =>
        flushRequestLog(
          requestLog,
          Math.min(STATE_FLUSH_MAX_MS, Math.max(MIN_LOG_FLUSH_MS, env.shutdownTimeoutMs - (performance.now() - signalledAt))),
          logger,
        ),
      )
      .then(() => exitAfterFlush(logger, 0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        exitAfterFlush(logger, 1);
      });
  };
  handOverStartupSignals();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Node's default for SIGHUP is to exit at once, cutting every request in flight. A node
  // reads its config only at start (the reloader restarts nodes to apply an edit), so a
  // hang-up or a "reload" signal is ignored, and the log says so.
  process.on('SIGHUP', () =>
    logger.warn(
      { event: 'signal-ignored', signal: 'SIGHUP' },
      'SIGHUP ignored: a node applies a config edit only by restarting (the reloader does that); SIGTERM drains and stops it',
    ),
  );
}

/** Writes the request log's queue within `budgetMs`, then closes its connections. */
async function flushRequestLog(requestLog: RequestLog | undefined, budgetMs: number, logger: Logger): Promise<void> {
  if (!requestLog) return;
  const { left } = await requestLog.flush(budgetMs);
  logger.info({ event: 'request-log-flushed', left }, 'request log flushed');
  // Closing the pool waits for its connections: bounded too, for a database that stopped answering.
  await raceTimeout(requestLog.close(), MIN_LOG_FLUSH_MS);
}

/** Sends the settlements still pending and closes the store, within GOVERNANCE_CLOSE_MAX_MS. */
async function closeGovernance(governance: GovernanceRuntime | undefined, logger: Logger): Promise<void> {
  if (!governance) return;
  const closed = await raceTimeout(
    governance.close().then(() => true),
    GOVERNANCE_CLOSE_MAX_MS,
  ).catch((error: unknown) => {
    logger.warn({ err: error }, 'governance store close failed');
    return true;
  });
  if (closed === undefined)
    logger.warn({ event: 'governance-close-timeout', after_ms: GOVERNANCE_CLOSE_MAX_MS }, 'governance: settlements not sent before exit (store unreachable)');
}

/** Exits once the asynchronous log destination has written its buffer (bounded wait). */
function exitAfterFlush(logger: Logger, code: number): void {
  const exit = (): never => process.exit(code);
  setTimeout(exit, 1000).unref();
  logger.flush(() => exit());
}

startNode().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
