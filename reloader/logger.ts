import { pino, type Logger } from 'pino';

export type { Logger };

/** The reloader's logger: one JSON line per event, with a message a person can follow. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'reloader' }, timestamp: pino.stdTimeFunctions.isoTime });
}
