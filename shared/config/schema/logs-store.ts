import * as yup from 'yup';

/**
 * The `logs_store` section (Bifrost's request log): `{ enabled, type, retention_days, config }`.
 * Checked strictly only when enabled, so that a switched-off store with leftover fields still
 * loads; an enabled one with a bad field is a config error with its path (the reloader refuses it).
 */

/** PostgreSQL's sslmode values, as libpq spells them. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

const PORT_MESSAGE = '${path} must be a port number (1-65535), as a number or a string such as "5432"';

/** `config` of a postgres store; strings may be `env.NAME` (resolved at load). */
const postgresConfigSchema = yup.object({
  host: yup.string().required('${path} is required (the PostgreSQL server host)'),
  port: yup
    .mixed<string | number>()
    .test('port', PORT_MESSAGE, (value) => value === undefined || isPortOrEnv(value))
    .default(5432),
  user: yup.string().required('${path} is required (the PostgreSQL user)'),
  password: yup.string().default(''),
  db_name: yup.string().required('${path} is required (the database name)'),
  ssl_mode: yup
    .string()
    .test(
      'ssl-mode',
      `\${path} must be one of ${SSL_MODES.join(', ')}`,
      (value) => value === undefined || value.startsWith('env.') || (SSL_MODES as readonly string[]).includes(value),
    )
    .default('disable'),
  // Each node opens up to this many connections: nodes x max_open_conns must stay under the
  // server's max_connections (100 by default). The writer uses one; reads and retention the rest.
  max_open_conns: yup.number().integer().min(1).default(10),
  max_idle_conns: yup.number().integer().min(0).default(5),
});

const sqliteConfigSchema = yup.object({
  path: yup.string().required('${path} is required (the SQLite file)'),
});

const enabledSchema = yup.object({
  enabled: yup.boolean().required(),
  type: yup.string().oneOf(['postgres', 'sqlite'], '${path} must be "postgres" or "sqlite"').required('${path} is required ("postgres" or "sqlite")'),
  // 0 keeps rows forever.
  retention_days: yup.number().integer().min(0).default(30),
  config: yup.lazy((_value: unknown, options) => {
    const type = (options.parent as { type?: unknown } | undefined)?.type;
    if (type === 'sqlite') return sqliteConfigSchema.required('${path} is required');
    return postgresConfigSchema.required('${path} is required (host, port, user, password, db_name)');
  }),
});

const disabledSchema = yup.object({
  enabled: yup.boolean().default(false),
  type: yup.string().optional(),
  retention_days: yup.number().optional(),
  config: yup.object().optional(),
});

/** The `logs_store` section; absent or `enabled: false` means no request log. */
export const logsStoreSchema = yup.lazy((value: unknown) => {
  if (value !== null && typeof value === 'object' && (value as { enabled?: unknown }).enabled === true) return enabledSchema;
  return disabledSchema.default(undefined).optional();
});

/** A validated, enabled postgres `config`, before `env.` resolution. */
export type PostgresStoreEntry = yup.InferType<typeof postgresConfigSchema>;

function isPortOrEnv(value: unknown): boolean {
  if (typeof value === 'string' && value.startsWith('env.')) return true;
  const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}
