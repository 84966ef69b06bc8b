import { pino, type DestinationStream, type Logger } from 'pino';
import { BatchedStdout } from './batched-stdout.js';
import { createIsoTimestamp } from './iso-timestamp.js';

export type { Logger };

/** Options of a program's logger. */
export interface LoggerOptions {
  /** pino level name; LOG_LEVEL in production (default info). */
  level?: string;
  /**
   * Fields on every line. The gateway adds none (its lines are short and frequent); the
   * reloader marks its lines `svc: "reloader"` so a shared log stream can tell them apart.
   */
  base?: Record<string, string>;
  /** Where lines go; batched stdout (see LOG_FLUSH_INTERVAL_MS) when omitted. */
  destination?: DestinationStream;
}

/**
 * Lines are written to stdout in batches of about this many characters: one write per line cost
 * a loaded node about 6% of its CPU, and its reader (the container runtime) a wake-up per line.
 */
export const LOG_BATCH_CHARS = 16 * 1024;
/** A line waits at most this long in the batch, so a quiet process's log is still live. */
export const LOG_FLUSH_INTERVAL_MS = 250;
/**
 * Past this much written but not yet read (a stalled log reader), batches are dropped and counted
 * rather than held: a log must not take a node's memory.
 */
export const LOG_MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Creates the structured logger both programs use: pino, one JSON object per line, level as a
 * name, ISO time. Nothing logged carries request bodies or secrets; the redaction paths are a
 * second line of defence for headers that might be logged by mistake.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? createStdoutDestination();
  return pino(
    {
      level: options.level ?? 'info',
      // No pid/hostname: a container's log already says which container wrote it.
      base: options.base ?? { node: undefined },
      // Exact paths only: wildcard paths are walked on every line, and no line carries nested headers.
      redact: { paths: ['authorization', 'headers.authorization', 'api_key', 'headers["x-api-key"]'], censor: '[redacted]' },
      timestamp: createIsoTimestamp(),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Batched stdout, written out when the process exits (crash included): only a SIGKILL loses lines. */
function createStdoutDestination(): DestinationStream {
  const stdout = new BatchedStdout({ batchChars: LOG_BATCH_CHARS, flushAfterMs: LOG_FLUSH_INTERVAL_MS, maxBacklogBytes: LOG_MAX_BACKLOG_BYTES });
  process.once('exit', () => stdout.writeAtExit());
  return stdout;
}

/** A logger that discards everything (tests, tools). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
