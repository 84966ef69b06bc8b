import type { Logger } from '../../shared/logger.js';
import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';

/** Writes ONE access-log line per request from its outcome. No bodies, no keys. */
export class AccessLogSink implements OutcomeSink {
  constructor(private readonly logger: Logger) {}

  /** Logs one outcome. */
  record(outcome: RequestOutcome): void {
    const { logger } = this;
    // Probes and scrapes arrive every few seconds from Docker, the reloader and Prometheus:
    // logged at debug so that info shows traffic.
    const probe = outcome.route === '/health' || outcome.route === '/metrics';
    if (probe && !logger.isLevelEnabled('debug')) return;
    logger[probe ? 'debug' : 'info']({
      id: outcome.requestId,
      method: outcome.method,
      path: outcome.path,
      status: outcome.status,
      provider: outcome.provider || undefined,
      model: outcome.model || undefined,
      latency_ms: Math.round(outcome.durationMs * 10) / 10,
      attempts: outcome.attempts,
      fallback: outcome.fallbackIndex ? outcome.fallbackIndex : undefined,
      error: outcome.error?.code,
      // The virtual key's id from config.json (governance's principal), never its value.
      virtual_key: typeof outcome.principal?.virtualKey === 'string' ? outcome.principal.virtualKey : undefined,
      // Closed before the response finished: the client left.
      client_gone: !outcome.finished || undefined,
    });
  }
}
