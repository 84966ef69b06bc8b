import type { PostgresServer } from '../../test/support/postgres-server.js';
import { startGatewayNode, type GatewayNodeOptions } from './gateway-node.js';
import type { Target } from './target.js';

/** The virtual key every governed bench request carries. */
const BENCH_VIRTUAL_KEY = 'sk-bf-bench-governed-key-0001';

/**
 * One virtual key with a rate limit (requests and tokens) and a budget, far enough from their
 * limits that no bench run reaches them: every request is checked and charged, none refused.
 */
const BENCH_GOVERNANCE = {
  virtual_keys: [{ id: 'bench', value: BENCH_VIRTUAL_KEY, rate_limit_id: 'bench', budget_id: 'bench', allow_all_providers: true }],
  rate_limits: [
    { id: 'bench', request_max_limit: 1_000_000_000, request_reset_duration: '1Y', token_max_limit: 1_000_000_000_000, token_reset_duration: '1Y' },
  ],
  budgets: [{ id: 'bench', max_limit: 1_000_000, reset_duration: '1Y' }],
};

/** Starts a gateway node governing every request, its counters in a new database of `postgres`. */
export async function startGovernedNode(postgres: PostgresServer, database: string, options: GatewayNodeOptions): Promise<Target> {
  return startGatewayNode({
    ...options,
    extraConfig: { ...options.extraConfig, governance: BENCH_GOVERNANCE },
    env: { ...options.env, GOVERNANCE_DATABASE_URL: postgres.url(await postgres.createDatabase(database)) },
    headers: { ...options.headers, 'x-bf-vk': BENCH_VIRTUAL_KEY },
  });
}

/** Starts a gateway node logging every request, content included, to `database` of `postgres` (created by the caller). */
export function startLoggedNode(postgres: PostgresServer, database: string, options: GatewayNodeOptions): Promise<Target> {
  return startGatewayNode({
    ...options,
    extraConfig: {
      ...options.extraConfig,
      logs_store: {
        enabled: true,
        type: 'postgres',
        config: { host: postgres.host, port: postgres.port, user: postgres.user, password: 'unused-trust-auth', db_name: database, ssl_mode: 'disable' },
      },
    },
  });
}
