import assert from 'node:assert/strict';
import type { CounterCheck } from '../../../gateway/governance/hierarchy.js';
import { REQUESTS_PER_LEASE } from '../../../gateway/governance/store/lease-book.js';
import { PgCounterStore } from '../../../gateway/governance/store/pg-counter-store.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { spawnGateway } from '../../support/spawn-gateway.js';
import { counterCheck, countStatements, postgresForSuite } from './fixtures.js';

/** A counter's rows as stored: the usage, and the part of it leased to nodes. */
interface StoredWindow {
  used: number;
  leased: number;
}

describe('PgCounterStore leases (real PostgreSQL)', function () {
  this.timeout(60_000);
  const { newPool, databaseUrl } = postgresForSuite('governance_leases');
  const stored = async (check: CounterCheck): Promise<StoredWindow[]> => {
    const result = await newPool().query<{ used: string; leased: string }>(
      'SELECT used, leased FROM governance_counters WHERE scope_id = $1 AND limit_kind = $2 ORDER BY window_start',
      [check.scopeId, check.limitKind],
    );
    return result.rows.map((row) => ({ used: Number(row.used), leased: Number(row.leased) }));
  };
  const admitMany = async (store: PgCounterStore, check: CounterCheck, count: number, amount = 1): Promise<number> => {
    let admitted = 0;
    for (let i = 0; i < count; i++) if ((await store.admit([{ check, amount }])).admitted) admitted++;
    return admitted;
  };

  it('admits most requests far from the limit from a lease, without a round trip, and shows only what was used', async () => {
    const counted = countStatements(newPool());
    const store = new PgCounterStore(counted.pool);
    await store.warm();
    const limit = counterCheck('far', 'requests', 1_000_000);
    const before = counted.statements();
    assert.equal(await admitMany(store, limit, 320), 320);
    const statements = counted.statements() - before;
    assert.ok(statements <= 320 / REQUESTS_PER_LEASE + 5, `320 admissions took ${statements} statements`);
    assert.equal((await store.read([limit]))[0]?.used, 320, 'the usage view leaves out the headroom leased');
    await store.close();
    assert.deepEqual(await stored(limit), [{ used: 320, leased: 0 }], 'the lease went back at close');
  });

  it('admits exactly the limit when three nodes with leases race for one counter', async () => {
    const stores = [new PgCounterStore(newPool()), new PgCounterStore(newPool()), new PgCounterStore(newPool())];
    const limit = counterCheck('race', 'requests', 1000);
    // Each node sends bursts of 10 until one burst is refused whole, as clients that keep
    // asking do: leases are granted at first (far from the limit) and stop within 16 leases of
    // it. A node refused whole holds no headroom, so once all three are refused every lease is
    // spent. (A node whose clients stop while it holds a lease keeps that headroom from the
    // others until the lease goes back, idle, a second later: "gives an idle lease back".)
    const admittedByNode = await Promise.all(
      stores.map(async (store) => {
        let admitted = 0;
        for (let burst = 0; burst < 200; burst++) {
          const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.admit([{ check: limit, amount: 1 }])));
          const inBurst = outcomes.filter((o) => o.admitted).length;
          admitted += inBurst;
          if (inBurst === 0) break;
        }
        return admitted;
      }),
    );
    assert.equal(
      admittedByNode.reduce((a, b) => a + b, 0),
      1000,
    );
    for (const store of stores) await store.close();
    assert.deepEqual(await stored(limit), [{ used: 1000, leased: 0 }]);
  });

  it('never lets a node of the previous version admit into headroom a lease holds', async () => {
    // The lease must stay held however long the 700 statements take on a busy machine: an idle
    // lease goes back after a second by default, and its headroom is then anyone's.
    const store = new PgCounterStore(newPool(), { idleMs: 600_000 });
    const limit = counterCheck('older', 'requests', 600);
    assert.equal((await store.admit([{ check: limit, amount: 1 }])).admitted, true);
    assert.deepEqual(await stored(limit), [{ used: 1 + REQUESTS_PER_LEASE, leased: REQUESTS_PER_LEASE }], 'a lease was granted');
    const older = newPool();
    let olderAdmitted = 0;
    for (let i = 0; i < 700; i++) {
      const result = await older.query<{ o_admitted: boolean }>(
        `SELECT o_admitted FROM governance_apply('{}', '{}', '{}', '{}', '{}', '{0}', '{rate_limit}', '{older}', '{requests}',
                ARRAY[$1::bigint], ARRAY[$2::integer], ARRAY[$3::bigint], '{600}', '{1}', '{true}')`,
        [limit.window.seconds, limit.window.months, limit.window.offsetSeconds],
      );
      if (result.rows[0]?.o_admitted) olderAdmitted++;
    }
    assert.equal(olderAdmitted, 600 - 1 - REQUESTS_PER_LEASE);
    assert.equal(await admitMany(store, limit, REQUESTS_PER_LEASE + 5), REQUESTS_PER_LEASE, 'the lease is still good for its size');
    assert.equal((await store.read([limit]))[0]?.used, 600);
  });

  it('grants at most a sixteenth of the headroom, and nothing below 16 of the smallest leases', async () => {
    const pool = newPool();
    await new PgCounterStore(pool).warm();
    const limit = counterCheck('sixteenth', 'requests', 1000);
    const ask = async (min: number, max: number) => {
      const result = await pool.query<{ o_granted: string; o_used: string }>(
        `SELECT o_granted, o_used FROM governance_apply_leased('{}', '{}', '{}', '{}', '{}', '{}', '{0}', '{rate_limit}', '{sixteenth}', '{requests}',
                ARRAY[$1::bigint], ARRAY[$2::integer], ARRAY[$3::bigint], '{1000}', '{1}', '{true}', ARRAY[$4::numeric], ARRAY[$5::numeric])`,
        [limit.window.seconds, limit.window.months, limit.window.offsetSeconds, min, max],
      );
      return { granted: Number(result.rows[0]?.o_granted), used: Number(result.rows[0]?.o_used) };
    };
    assert.deepEqual(await ask(32, 512), { granted: 62, used: 1 }, '999 left: a sixteenth, 62');
    assert.deepEqual(await ask(32, 40), { granted: 40, used: 64 }, 'no more than asked');
    assert.deepEqual(await ask(60, 512), { granted: 0, used: 105 }, '895 left: less than 16 leases of 60');
  });

  it('settles a reservation into the lease it came from: the usage view shows the real usage', async () => {
    const store = new PgCounterStore(newPool());
    const tokens = counterCheck('settle', 'tokens', 10_000_000);
    const outcome = await store.admit([{ check: tokens, amount: 600 }]);
    const windowStartMs = outcome.readings[0]!.windowStartMs;
    const second = await store.admit([{ check: tokens, amount: 600 }]);
    assert.equal(second.admitted, true);
    await store.adjust([{ scopeKind: 'rate_limit', scopeId: 'settle', limitKind: 'tokens', windowStartMs, delta: -590 }]);
    await store.adjust([{ scopeKind: 'rate_limit', scopeId: 'settle', limitKind: 'tokens', windowStartMs, delta: -580 }]);
    assert.equal((await store.read([tokens]))[0]?.used, 30, '10 + 20 tokens really used');
    await store.close();
    assert.deepEqual(await stored(tokens), [{ used: 30, leased: 0 }]);
  });

  it('gives an idle lease back by itself', async () => {
    const store = new PgCounterStore(newPool(), { idleMs: 50 });
    const limit = counterCheck('idle', 'requests', 1_000_000);
    await admitMany(store, limit, 3);
    const deadline = Date.now() + 5_000;
    let rows = await stored(limit);
    while (rows[0]?.leased !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rows = await stored(limit);
    }
    assert.deepEqual(rows, [{ used: 3, leased: 0 }]);
  });

  it('keeps every window exact when leases span the end of short windows', async () => {
    const store = new PgCounterStore(newPool());
    const limit = counterCheck('short', 'requests', 1_000_000, '1s');
    let admitted = 0;
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      admitted += await admitMany(store, limit, 10);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await store.close();
    const rows = await stored(limit);
    assert.ok(rows.length >= 2, `${rows.length} window(s)`);
    assert.equal(
      rows.reduce((sum, row) => sum + row.used, 0),
      admitted,
    );
    assert.ok(
      rows.every((row) => row.leased === 0),
      JSON.stringify(rows),
    );
  });

  it("hands a killed node's lease back to the other nodes once the lease TTL has passed", async () => {
    const upstream = await MockUpstream.start();
    const virtualKey = 'sk-bf-lease-killed-0001';
    const node = await spawnGateway(
      {
        providers: { openai: { keys: [{ name: 'k', value: 'sk-test', models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } } },
        governance: {
          virtual_keys: [{ id: 'vk', value: virtualKey, rate_limit_id: 'killed' }],
          rate_limits: [{ id: 'killed', request_max_limit: 2000, request_reset_duration: '1h' }],
        },
      },
      { env: { GOVERNANCE_DATABASE_URL: databaseUrl() } },
    );
    const limit = counterCheck('killed', 'requests', 2000);
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await fetch(`${node.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bf-vk': virtualKey },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(answer.status, 200, await answer.text());
      }
      // The usage view sends what the node drew so far: its five requests are in the store.
      await fetch(`${node.url}/api/governance/usage`);
      const [held] = await stored(limit);
      assert.ok(held && held.leased > 0 && held.used - held.leased === 5, `stored ${JSON.stringify(held)}`);
      node.child.kill('SIGKILL');
      await node.exited;
    } finally {
      node.child.kill('SIGKILL');
      await upstream.close();
    }
    // The survivor judges holders silent for 1 s as gone (nodes use LEASE_TTL_MS, 10 s).
    const survivor = new PgCounterStore(newPool(), { ttlMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(await admitMany(survivor, limit, 2100), 1995, 'all the headroom the killed node did not use');
    await survivor.close();
    assert.deepEqual(await stored(limit), [{ used: 2000, leased: 0 }]);
  });

  it('counts what a node drew from a lease taken back while it was silent, and no more than that', async () => {
    const cutOff = new PgCounterStore(newPool());
    const other = new PgCounterStore(newPool(), { ttlMs: 1000 });
    const limit = counterCheck('cut-off', 'requests', 1_000_000);
    assert.equal(await admitMany(cutOff, limit, 1), 1);
    // As if the first node had sent nothing for an hour: the next statement of another takes its lease back.
    await newPool().query("UPDATE governance_leases SET renewed_at = now() - interval '1 hour'");
    assert.equal(await admitMany(other, limit, 1), 1);
    assert.deepEqual(await stored(limit), [{ used: 2 + REQUESTS_PER_LEASE, leased: REQUESTS_PER_LEASE }], "only the other node's lease is left");
    // The first node still thinks it holds its lease: what it draws now is usage, counted once.
    assert.equal(await admitMany(cutOff, limit, 10), 10);
    assert.equal((await cutOff.read([limit]))[0]?.used, 12);
    await cutOff.close();
    await other.close();
    assert.deepEqual(await stored(limit), [{ used: 12, leased: 0 }]);
  });
});
