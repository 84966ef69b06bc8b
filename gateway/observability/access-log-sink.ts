import { pino, type DestinationStream } from 'pino';
import { createIsoTimestamp } from '../../shared/iso-timestamp.js';
import type { Logger } from '../../shared/logger.js';
import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';

/** The fields of one access-log line. No bodies, no keys. */
export function accessFields(outcome: RequestOutcome): Record<string, unknown> {
  return {
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
  };
}

/**
 * Writes ONE access-log line per request from its outcome, at info (probes at debug).
 *
 * A request's line is the line pino would write for `logger.info(fields)` (a test holds the two
 * byte for byte), but built with one JSON.stringify and handed to the logger's destination: pino
 * builds it key by key, which allocated about 1.9 KB a request, the most of any one step of the
 * node's own (bench/profile-notes.md). Loggers with child bindings go through pino.
 */
export class AccessLogSink implements OutcomeSink {
  private readonly destination: DestinationStream | undefined;
  private readonly time = createIsoTimestamp();

  constructor(private readonly logger: Logger) {
    const own = Object.keys(logger.bindings()).length === 0;
    this.destination = own ? (logger as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym] : undefined;
  }

  /** Logs one outcome. */
  record(outcome: RequestOutcome): void {
    const { logger } = this;
    // Probes and scrapes arrive every few seconds from Docker, the reloader and Prometheus:
    // logged at debug so that info shows traffic.
    if (outcome.route === '/health' || outcome.route === '/metrics') {
      if (logger.isLevelEnabled('debug')) logger.debug(accessFields(outcome));
      return;
    }
    if (!logger.isLevelEnabled('info')) return;
    if (this.destination === undefined) {
      logger.info(accessFields(outcome));
      return;
    }
    // `{"id":...}` -> `{"level":"info","time":"...","id":...}`, pino's order and format.
    this.destination.write(`{"level":"info"${this.time()},${JSON.stringify(accessFields(outcome)).slice(1)}\n`);
  }
}
