import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../../shared/logger.js';
import type { OutcomeSink, RequestOutcome } from '../request/outcome.js';

/**
 * The longest path written whole. A path is bounded only by the header limit (16 KB): a GenAI
 * model name in the path, or a scanner's probe, would otherwise make one line of that size.
 */
export const MAX_LOGGED_PATH_CHARS = 512;

/** The fields of one access-log line. No bodies, no keys. */
export function accessFields(outcome: RequestOutcome): Record<string, unknown> {
  const { path } = outcome;
  return {
    id: outcome.requestId,
    method: outcome.method,
    path: path.length > MAX_LOGGED_PATH_CHARS ? `${path.slice(0, MAX_LOGGED_PATH_CHARS)}…` : path,
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

/** The pieces of a pino logger a line is assembled from (pino's own, exposed as pino.symbols). */
type PinoInternals = Record<symbol, unknown>;

const { lsCacheSym, timeSym, chindingsSym, streamSym } = pino.symbols;

/**
 * Writes ONE access-log line per request from its outcome, at info (probes at debug).
 *
 * A request's line is the line pino writes for `logger.info(fields)` (a test holds the two byte
 * for byte), assembled from the logger's own pieces, as pino does: its level prefix, its time,
 * its bindings, then the fields in one JSON.stringify, handed to its destination. pino builds the
 * fields key by key, which allocated about 1.9 KB a request, the most of any one step of the
 * node's own (bench/profile-notes.md).
 */
export class AccessLogSink implements OutcomeSink {
  private readonly internals: PinoInternals;
  private readonly infoValue: number;

  constructor(private readonly logger: Logger) {
    this.internals = logger as unknown as PinoInternals;
    this.infoValue = logger.levels.values.info as number;
  }

  /** Logs one outcome. */
  record(outcome: RequestOutcome): void {
    const { logger, internals } = this;
    // Probes and scrapes arrive every few seconds from Docker, the reloader and Prometheus:
    // logged at debug so that info shows traffic.
    if (outcome.route === '/health' || outcome.route === '/metrics') {
      if (logger.isLevelEnabled('debug')) logger.debug(accessFields(outcome));
      return;
    }
    if (!logger.isLevelEnabled('info')) return;
    // `{"level":"info"` + `,"time":"..."` + bindings + `,"id":...}`: pino's order and format.
    const level = (internals[lsCacheSym] as Record<number, string>)[this.infoValue] as string;
    const time = (internals[timeSym] as () => string)();
    const fields = JSON.stringify(accessFields(outcome));
    (internals[streamSym] as DestinationStream).write(`${level}${time}${internals[chindingsSym] as string},${fields.slice(1)}\n`);
  }
}
