import type { Registry } from 'prom-client';
import type { RuntimeConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { Governor } from './governor.js';
import { GovernanceMetrics } from './metrics.js';
import { loadPriceTable } from './prices.js';
import { createPool, findStoreTarget } from './store/connection.js';
import { PgCounterStore } from './store/pg-counter-store.js';
import { ResilientStore, type FailMode } from './store/resilient-store.js';
import { buildUsageReport, publishLimits, type UsageReport } from './usage-report.js';

/** Governance settings from the node's environment (read in node-env.ts). */
export interface GovernanceEnv {
  /** GOVERNANCE_DATABASE_URL: the store when config.json has no PostgreSQL logs_store. */
  databaseUrl?: string;
  /** GOVERNANCE_FAIL_MODE (default closed). */
  failMode: FailMode;
  /** GOVERNANCE_PRICES_FILE: another price table. */
  pricesFile?: string;
  /** GOVERNANCE_DB_POOL_MAX (default 10), GOVERNANCE_STORE_TIMEOUT_MS (1000), GOVERNANCE_STORE_RETRY_MS (1000). */
  poolMax: number;
  timeoutMs: number;
  retryMs: number;
}

/** A node's governance: the governor, its store and its usage view. */
export interface GovernanceRuntime {
  governor: Governor;
  metrics: GovernanceMetrics;
  /** Where the counters live, for the start-up log line (no credentials). */
  storeDescription: string | undefined;
  report(): Promise<UsageReport>;
  /** Connects to the store and migrates it; rejects when the store is unreachable (the node still starts: requests then follow the fail mode). */
  warm(): Promise<void>;
  /** Flushes pending corrections and closes the pool. */
  close(): Promise<void>;
}

/** Raised at start-up when governance cannot run as configured. */
export class GovernanceSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GovernanceSetupError';
  }
}

/**
 * Builds governance for a config, or returns undefined when the file has no governance
 * section. Virtual keys and restrictions alone need no store; any budget or rate limit does,
 * and without one the node refuses to start rather than run with limits that limit nothing.
 */
export function createGovernance(
  config: RuntimeConfig,
  options: { env: GovernanceEnv; logger: Logger; registry: Registry; random?: () => number },
): GovernanceRuntime | undefined {
  const settings = config.governance;
  if (!settings.configured) return undefined;
  const metrics = new GovernanceMetrics(options.registry);
  const target = findStoreTarget(config.logsStore, options.env.databaseUrl, { poolMax: options.env.poolMax, timeoutMs: options.env.timeoutMs });
  if (settings.hasLimits && !target) {
    throw new GovernanceSetupError(
      'governance has budgets or rate limits but no store to count them in: enable a PostgreSQL logs_store in config.json ' +
        '({ "enabled": true, "type": "postgres", "config": {...} }) or set GOVERNANCE_DATABASE_URL=postgres://user:password@host:5432/db',
    );
  }
  const prices = loadPriceTable(options.env.pricesFile);
  let store: ResilientStore | undefined;
  let pgStore: PgCounterStore | undefined;
  if (settings.hasLimits && target) {
    const pool = createPool(target, (error) =>
      options.logger.warn({ event: 'governance-store-connection-lost', err: { message: error.message } }, 'governance store connection lost'),
    );
    pgStore = new PgCounterStore(pool);
    store = new ResilientStore(pgStore, {
      failMode: options.env.failMode,
      logger: options.logger,
      metrics,
      retryMs: options.env.retryMs,
    });
  }
  publishLimits(settings, metrics);
  const governor = new Governor(settings, {
    ...(store ? { store } : {}),
    metrics,
    logger: options.logger,
    prices,
    ...(options.random ? { random: options.random } : {}),
  });
  return {
    governor,
    metrics,
    storeDescription: store ? target?.description : undefined,
    report: () => buildUsageReport(settings, store, store?.isDown ?? false, metrics),
    warm: async () => {
      await pgStore?.warm();
    },
    close: async () => {
      await store?.close();
    },
  };
}
