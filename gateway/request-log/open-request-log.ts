import type { Registry } from 'prom-client';
import type { RuntimeConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { configSecrets } from '../security/secret-redaction.js';
import type { LogWriterOptions } from './log-writer.js';
import { startRequestLog, type RequestLog } from './start-request-log.js';

/** What openRequestLog needs besides the config. */
export interface OpenRequestLogOptions {
  logger: Logger;
  nodeName: string;
  /** The node's metrics registry (the log's counters are served on /metrics). */
  registry: Registry;
  writer?: LogWriterOptions;
}

/**
 * Starts the request log a node's config asks for (undefined when `logs_store` is off or
 * sqlite). Every secret of the config (`configSecrets`, the list the node's own redaction
 * uses) is handed to the redactor, so an upstream echoing a key in an error message never
 * puts it in a row. Throws RequestLogSetupError when the database is
 * reachable but unsuitable (the node must not start).
 */
export async function openRequestLog(config: RuntimeConfig, options: OpenRequestLogOptions): Promise<RequestLog | undefined> {
  if (!config.logsStore) return undefined;
  if (config.client.enable_logging === false) {
    // Bifrost's switch for the request log: the store stays configured, nothing is written.
    options.logger.warn({ event: 'request-log-off' }, 'client.enable_logging is false: no request log is written although logs_store is enabled');
    return undefined;
  }
  const log = await startRequestLog(config.logsStore, {
    node: options.nodeName,
    contentLogging: config.client.disable_content_logging !== true,
    secrets: configSecrets(config),
    logger: options.logger,
    registry: options.registry,
    ...(options.writer ? { writer: options.writer } : {}),
  });
  if (log && !config.adminAuth) {
    options.logger.warn(
      { event: 'request-log-api-open' },
      'GET /api/logs is open to anyone who can reach the node: set governance.auth_config.admin_username and admin_password to require them (HTTP Basic)',
    );
  }
  return log;
}
