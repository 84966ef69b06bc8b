import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Options of the node's logger. */
export interface LoggerOptions {
  /** pino level name; LOG_LEVEL in production (default info). */
  level?: string;
  /** Where lines go; stdout (asynchronous, flushed at exit) when omitted. */
  destination?: DestinationStream;
}

/**
 * Creates the node's structured logger: pino, one JSON object per line. Nothing logged by
 * the node carries request bodies or secrets; the redaction paths are a second line of
 * defence for headers that might be logged by mistake.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: { node: undefined },
      // Exact paths only: wildcard paths are walked on every line, and no line carries nested headers.
      redact: { paths: ['authorization', 'headers.authorization', 'api_key', 'headers["x-api-key"]'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that discards everything (tests, tools). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
