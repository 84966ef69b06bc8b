import { watchConfigFile } from './config/watch.js';
import { ReloaderController } from './controller/controller.js';
import { evaluateConfigFile, evaluateIfSettled } from './config/evaluate.js';
import { createHttpHealthProbe } from './platform/health-probe.js';
import { createReloaderApp } from './http/app.js';
import { createLogger } from '../shared/logger.js';
import { createMetrics } from './observability/metrics.js';
import { LogEvent } from './observability/log-events.js';
import { createPlatform } from './platform/create-platform.js';
import { createFileJournal } from './rollout/restart-journal.js';
import { readAdminToken, readSettings } from './settings.js';
import { ConfigEditor } from './config/config-editor.js';
import { createCredentialSource } from './http/auth.js';
import { createHttpMetricsScraper, NodeMetricsCollector } from './http/node-metrics.js';
import { buildAllowedHosts } from './http/host-allowlist.js';
import { createNodeApiClient } from './http/node-api.js';

/** Wires the reloader from the environment and runs it until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const settings = readSettings();
  const adminToken = readAdminToken();
  const logger = createLogger({ level: settings.logLevel, base: { svc: 'reloader' } });
  const metrics = createMetrics();
  logger.info({ event: LogEvent.reloaderStarting, settings }, `reloader starting: watching ${settings.configPath}${settings.polling ? ' (polling)' : ''}`);

  const probe = createHttpHealthProbe(settings.gatewayPort);
  const platform = await createPlatform(settings, probe, logger);
  const controller = new ReloaderController({
    platform,
    probe,
    logger,
    metrics,
    readConfig: () => evaluateConfigFile(settings.configPath),
    recheckConfig: () => evaluateIfSettled(settings.configPath, settings.debounceMs),
    configPath: settings.configPath,
    healthTimeoutMs: settings.healthTimeoutMs,
    drainTimeoutMs: settings.drainTimeoutMs,
    settleMs: settings.settleMs,
    reconcileIntervalMs: settings.reconcileIntervalMs,
    journal: createFileJournal(settings.rotationDir),
  });

  const watcher = watchConfigFile({
    path: settings.configPath,
    debounceMs: settings.debounceMs,
    polling: settings.polling,
    pollIntervalMs: settings.pollIntervalMs,
    onSettled: () =>
      void evaluateConfigFile(settings.configPath)
        .then((evaluation) => controller.onConfig(evaluation))
        // Never an unhandled rejection (the process would exit): the next save or pass judges the file again.
        .catch((error: unknown) =>
          logger.error({ event: LogEvent.configCheckFailed, err: error }, 'could not judge the config file; the next save or pass looks again'),
        ),
    onError: (error) => logger.warn({ event: LogEvent.watcherError, err: error }, 'config watcher error'),
  });
  await watcher.ready;

  const control = {
    editor: new ConfigEditor({ path: settings.configPath, logger, historyKeep: settings.historyKeep }),
    credentials: createCredentialSource(settings.configPath, adminToken),
    nodeMetrics: new NodeMetricsCollector(createHttpMetricsScraper(settings.gatewayPort)),
    nodeApi: createNodeApiClient({ port: settings.gatewayPort }),
    logger,
  };
  const access = await control.credentials();
  const mode = [access.basic ? 'governance.auth_config' : '', access.token ? 'RELOADER_ADMIN_TOKEN' : ''].filter(Boolean).join(' or ');
  logger.info(
    { event: LogEvent.controlPlaneAccess, writable: mode !== '' },
    mode
      ? `control plane: config writes need admin credentials (${mode})`
      : 'control plane: read-only (no admin credentials configured; see README, "Control plane")',
  );
  const server = createReloaderApp({
    status: () => controller.status(),
    requestRollout: () => controller.requestRollout(),
    metrics,
    control,
    allowedHosts: buildAllowedHosts(settings.allowedHosts),
  }).listen(settings.port, () => logger.info({ event: LogEvent.reloaderListening }, `reloader listening on :${settings.port}`));
  await controller.start();

  const shutdown = async (signal: string) => {
    logger.info({ event: LogEvent.reloaderStopping }, `${signal}: stopping (a node restart in progress finishes first)`);
    server.close();
    // Open event streams (the page's SSE) would hold close() forever.
    server.closeAllConnections();
    await watcher.close();
    await controller.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // One clear line, then exit: settings errors do not fix themselves by restarting.
  console.error(`reloader failed to start: ${(error as Error).message}`);
  process.exit(1);
});
