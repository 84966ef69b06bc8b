import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { createLogger } from '../../../shared/logger.js';
import { type Admission, Governor } from '../../../gateway/governance/governor.js';
import { GovernanceMetrics } from '../../../gateway/governance/metrics.js';
import { loadPriceTable } from '../../../gateway/governance/prices.js';
import { createPool, findStoreTarget } from '../../../gateway/governance/store/connection.js';
import { PgCounterStore } from '../../../gateway/governance/store/pg-counter-store.js';
import { ResilientStore } from '../../../gateway/governance/store/resilient-store.js';
import { governedConfig, loadRuntime, postgresForSuite } from './fixtures.js';

const VK = 'sk-bf-settle-once-key-0001';

/**
 * A settlement whose statement the node gave up on (the store was slow: a row lock held, a
 * checkpoint) is kept by the fail-open path and sent again once the store answers. The shared
 * counter must then hold the request's usage once, not the correction twice.
 */
describe('governance settlement past the store deadline (real PostgreSQL)', function () {
  this.timeout(60_000);
  const { newPool, databaseUrl } = postgresForSuite('governance_settle_once');

  /** A governor as a node builds it, over a pool made from the node's own store settings. */
  function governed(timeoutMs: number): { governor: Governor; store: ResilientStore } {
    const runtime = loadRuntime(
      governedConfig({
        virtual_keys: [{ id: 'vk-once', value: VK, rate_limit_id: 'tokens', allow_all_providers: true }],
        // Far too small for a lease (16 leases of 32 requests' estimate): every settlement goes to the store.
        rate_limits: [{ id: 'tokens', token_max_limit: 5000, token_reset_duration: '1h' }],
      }),
    );
    const target = findStoreTarget(undefined, databaseUrl(), { poolMax: 2, timeoutMs });
    assert.ok(target);
    const pool = createPool(target, () => undefined);
    const metrics = new GovernanceMetrics(new Registry());
    const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const store = new ResilientStore(new PgCounterStore(pool), { failMode: 'open', logger, metrics });
    const governor = new Governor(runtime.governance, { store, metrics, logger, prices: loadPriceTable() });
    return { governor, store };
  }

  /** The token counter's usage as stored (leases apart), summed over its windows. */
  async function storedTokens(pool: pg.Pool): Promise<number> {
    const result = await pool.query<{ used: string }>(
      "SELECT coalesce(sum(used - leased), 0) AS used FROM governance_counters WHERE scope_id = 'tokens' AND limit_kind = 'tokens'",
    );
    return Number(result.rows[0]?.used);
  }

  /** Resolves once no statement of the governance pools is running (one the node gave up on may still be). */
  async function governanceStatementsDone(pool: pg.Pool): Promise<void> {
    for (;;) {
      const running = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'ai-gateway-governance' AND state = 'active' AND pid <> pg_backend_pid()",
      );
      if (Number(running.rows[0]?.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('counts a settlement once when its statement outlived the deadline and was sent again', async () => {
    const { governor, store } = governed(300);
    const admission = (await governor.check({
      headers: { 'x-bf-vk': VK },
      model: 'openai/gpt-4o',
      body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 },
    })) as Admission;
    const reserved = admission.reservations[0]?.amount ?? 0;
    const admin = newPool();
    assert.equal(await storedTokens(admin), reserved, 'the estimate is reserved');

    // Another session holds the counter's row: the settlement's statement waits past the deadline.
    const locker = await admin.connect();
    await locker.query('BEGIN');
    await locker.query("SELECT 1 FROM governance_counters WHERE scope_id = 'tokens' FOR UPDATE");
    await governor.settle(admission, { provider: 'openai', model: 'gpt-4o', promptTokens: 7, completionTokens: 5 });
    assert.equal(store.isDown, true, 'the node gave up on the statement and counts locally');
    await locker.query('COMMIT');
    locker.release();
    await governanceStatementsDone(admin);

    // The store answers again: what waited for it is sent.
    await store.read(admission.reservations.map((r) => r.check));
    assert.equal(store.isDown, false);
    assert.equal(await storedTokens(admin), 12, "the counter holds the request's usage, once");
    await store.close();
  });
});
