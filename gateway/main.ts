import { hostname } from 'node:os';
import { ConfigLoadError, loadConfigFile, shortFingerprint } from '../shared/config/index.js';
import { buildAppDeps, createApp } from './app.js';
import { drainServer } from './lifecycle/drain.js';
import { createHttpServer, listen } from './lifecycle/server.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { GatewayMetrics } from './observability/metrics.js';
import { readNodeEnv } from './node-env.js';
import { setUpstreamLimits } from './providers/shared/upstream-http.js';

/**
 * The gateway node's entry point: load and validate the config (exit 1 with every issue
 * before listening if it is invalid), listen, and drain on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
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
    logger.warn({ event: 'config-unsupported', settings: report.unsupported }, `config settings accepted but not implemented by this node: ${report.unsupported.join(', ')}`);
  }
  for (const missing of report.missingVariables) {
    logger.warn({ event: 'config-env-missing', variable: missing.variable, used_by: missing.usedBy }, `environment variable ${missing.variable} is not set; ${missing.usedBy.join(', ')} unusable`);
  }

  setUpstreamLimits(env.upstreamLimits);
  const nodeName = hostname();
  const deps = buildAppDeps(config, { logger, nodeName, metrics: new GatewayMetrics({ collectProcessMetrics: true }), drainMode: env.drainMode });
  const server = createHttpServer(createApp(deps), { headersTimeoutMs: env.headersTimeoutMs, requestTimeoutMs: env.requestTimeoutMs });
  const port = await listen(server, env.port, env.host);
  logger.info(
    { event: 'listening', host: env.host, port, node: nodeName, config: env.configPath, config_fingerprint: shortFingerprint(config.fingerprint), providers: [...config.providers.keys()] },
    'gateway node listening',
  );

  // A stray rejection must not take down the streams of every other client: log it and go on.
  process.on('unhandledRejection', (reason: unknown) => logger.error({ event: 'unhandled-rejection', err: reason }, 'unhandled promise rejection'));

  let draining = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) return;
    draining = true;
    logger.info({ event: 'signal', signal }, 'shutting down');
    drainServer({ server, lifecycle: deps.lifecycle, logger, timeoutMs: env.shutdownTimeoutMs })
      .then(() => exitAfterFlush(logger, 0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        exitAfterFlush(logger, 1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Node's default for SIGHUP is to exit at once, cutting every request in flight. A node
  // reads its config only at start (the reloader restarts nodes to apply an edit), so a
  // hang-up or a "reload" signal is ignored, and the log says so.
  process.on('SIGHUP', () =>
    logger.warn({ event: 'signal-ignored', signal: 'SIGHUP' }, 'SIGHUP ignored: a node applies a config edit only by restarting (the reloader does that); SIGTERM drains and stops it'),
  );
}

/** Exits once the asynchronous log destination has written its buffer (bounded wait). */
function exitAfterFlush(logger: Logger, code: number): void {
  const exit = (): never => process.exit(code);
  setTimeout(exit, 1000).unref();
  logger.flush(() => exit());
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
