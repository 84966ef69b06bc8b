import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../../shared/logger.js';
import { type Admission, Governor } from '../../../gateway/governance/governor.js';
import { GovernanceMetrics } from '../../../gateway/governance/metrics.js';
import { loadPriceTable } from '../../../gateway/governance/prices.js';
import { LeaseBook, REQUESTS_PER_LEASE } from '../../../gateway/governance/store/lease-book.js';
import { PgCounterStore } from '../../../gateway/governance/store/pg-counter-store.js';
import { ResilientStore } from '../../../gateway/governance/store/resilient-store.js';
import { counterCheck, countStatements, governedConfig, loadRuntime, postgresForSuite } from './fixtures.js';

const VK = 'sk-bf-lease-miss-key-00001';

/**
 * A governed request whose counter has no lease here (a miss) asks the lease book at each layer
 * it passes (the governor, the fail-mode wrapper, the PostgreSQL store, the batch): all in
 * memory. What costs is the round trip; a miss must cost one statement at most, and requests
 * that queued behind it must be answered from the lease it brought back, not each with its own.
 */
describe('a governed request missing a lease (real PostgreSQL)', function () {
  this.timeout(60_000);
  const { newPool } = postgresForSuite('governance_lease_miss');
  const request = { headers: { 'x-bf-vk': VK }, model: 'openai/gpt-4o', body: { messages: [{ role: 'user', content: 'hi' }] } };

  /** A node's governor over PostgreSQL, counting statements and lease-book asks. */
  async function governed(): Promise<{ governor: Governor; store: ResilientStore; statements: () => number; takes: () => number; restore: () => void }> {
    const runtime = loadRuntime(
      governedConfig({
        virtual_keys: [{ id: 'vk-miss', value: VK, rate_limit_id: 'many', allow_all_providers: true }],
        rate_limits: [{ id: 'many', request_max_limit: 1_000_000, request_reset_duration: '1h' }],
      }),
    );
    const counted = countStatements(newPool());
    const pgStore = new PgCounterStore(counted.pool);
    await pgStore.warm();
    const metrics = new GovernanceMetrics(new Registry());
    const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const store = new ResilientStore(pgStore, { failMode: 'closed', logger, metrics });
    const governor = new Governor(runtime.governance, { store, metrics, logger, prices: loadPriceTable() });
    const take = LeaseBook.prototype.take;
    let takes = 0;
    LeaseBook.prototype.take = function (this: LeaseBook, ...args: Parameters<LeaseBook['take']>) {
      takes += 1;
      return take.apply(this, args);
    };
    return { governor, store, statements: counted.statements, takes: () => takes, restore: () => (LeaseBook.prototype.take = take) };
  }

  it('costs one statement on a miss, none while the lease lasts, nor for a burst queued behind the next miss', async () => {
    const node = await governed();
    try {
      const start = node.statements();
      const first = node.governor.check(request);
      assert.ok(first instanceof Promise, 'a miss waits for the store');
      await first;
      assert.equal(node.statements() - start, 1, 'one round trip for the miss');
      // Four asks, all in memory: governor, fail-mode wrapper, PostgreSQL store, and the batch
      // (a lease brought back by a statement in flight may cover it by then).
      assert.equal(node.takes(), 4);

      for (let i = 0; i < REQUESTS_PER_LEASE; i++) {
        const admitted = node.governor.check(request);
        assert.ok(!(admitted instanceof Promise), `request ${i} is answered from the lease`);
      }
      assert.equal(node.statements() - start, 1, 'no round trip while the lease lasts');

      // The lease is spent: one miss goes out, and a burst arrives once its statement is in flight.
      const sent = node.statements();
      const missed = node.governor.check(request);
      while (node.statements() === sent) await new Promise((resolve) => setImmediate(resolve));
      const burst = Array.from({ length: REQUESTS_PER_LEASE - 2 }, () => node.governor.check(request));
      const answers = await Promise.all([missed, ...burst]);
      assert.ok(answers.every((answer) => (answer as Admission).principal.virtualKeyId === 'vk-miss'));
      assert.equal(node.statements() - sent, 1, 'the burst is answered from the lease its predecessor brought back');
      const [reading] = await node.store.read([counterCheck('many', 'requests', 1_000_000)]);
      assert.equal(reading?.used, 1 + REQUESTS_PER_LEASE + 1 + burst.length, 'every admitted request counted once');
    } finally {
      node.restore();
      await node.store.close();
    }
  });
});
