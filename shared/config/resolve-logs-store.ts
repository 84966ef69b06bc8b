import { resolveEnvDeep } from './env-secrets.js';
import type { ConfigIssue } from './validate.js';

/** A node's request-log store, resolved: `env.` secrets read, port a number. */
export type LogsStoreSettings =
  | { type: 'postgres'; retentionDays: number; postgres: PostgresSettings }
  | { type: 'sqlite'; retentionDays: number; path: string };

/** Connection settings of a PostgreSQL logs store. `password` is a secret: never log it. */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  sslMode: string;
  maxOpenConns: number;
  maxIdleConns: number;
}

interface EnabledEntry {
  enabled?: boolean;
  type?: string;
  retention_days?: number;
  config?: Record<string, unknown>;
}

/**
 * Resolves the validated `logs_store` section (undefined when absent or disabled). `env.`
 * references are read here; a port that is not a number once resolved is returned as an issue.
 */
export function resolveLogsStore(
  entry: EnabledEntry | undefined,
  env: NodeJS.ProcessEnv,
  missing: Set<string>,
): { settings?: LogsStoreSettings; issues: ConfigIssue[] } {
  if (entry?.enabled !== true) return { issues: [] };
  const retentionDays = entry.retention_days ?? 30;
  const config = resolveEnvDeep(entry.config ?? {}, env, missing);
  if (entry.type === 'sqlite') return { settings: { type: 'sqlite', retentionDays, path: String(config.path) }, issues: [] };
  const port = Number(config.port ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { issues: [{ path: 'logs_store.config.port', message: 'logs_store.config.port must resolve to a port number (1-65535)' }] };
  }
  return {
    settings: {
      type: 'postgres',
      retentionDays,
      postgres: {
        host: String(config.host),
        port,
        user: String(config.user),
        password: String(config.password ?? ''),
        database: String(config.db_name),
        sslMode: String(config.ssl_mode ?? 'disable'),
        maxOpenConns: Number(config.max_open_conns ?? 10),
        maxIdleConns: Number(config.max_idle_conns ?? 5),
      },
    },
    issues: [],
  };
}
