import assert from 'node:assert/strict';
import { parseResetDuration } from '../../../shared/config/index.js';
import { PgCounterStore } from '../../../gateway/governance/store/pg-counter-store.js';
import { runMigrations } from '../../../gateway/governance/store/migrate.js';
import { MIGRATIONS } from '../../../gateway/governance/store/schema-sql.js';
import { toWindowSpec, windowBounds } from '../../../gateway/governance/windows.js';
import { counterCheck, countStatements, postgresForSuite } from './fixtures.js';

const check = counterCheck;

describe('PgCounterStore (real PostgreSQL)', function () {
  this.timeout(60_000);
  const { newPool } = postgresForSuite('governance_store');

  it('migrates once when several nodes start together', async () => {
    await Promise.all([newPool(), newPool(), newPool()].map((pool) => runMigrations(pool)));
    const versions = await newPool().query('SELECT version FROM governance_migrations');
    assert.equal(versions.rowCount, MIGRATIONS.length);
  });

  it('cuts the same windows in SQL as in TypeScript', async () => {
    const pool = newPool();
    const instants = ['2026-12-03T08:17:42.500Z', '2026-02-28T23:59:59.999Z', '2027-01-01T00:00:00Z', '2024-02-29T12:00:00Z', '2026-11-30T00:00:00Z'];
    const specs: [string, boolean][] = [
      ['30s', false],
      ['5m', false],
      ['1h', false],
      ['1d', true],
      ['1w', true],
      ['1w', false],
      ['1M', true],
      ['1Q', false],
      ['1Y', true],
    ];
    for (const instant of instants) {
      for (const [text, aligned] of specs) {
        const spec = toWindowSpec({ duration: parseResetDuration(text)!, calendarAligned: aligned });
        const sql = await pool.query<{ start: Date }>('SELECT governance_window_start($1::timestamptz, $2, $3, $4) AS start', [
          instant,
          spec.seconds,
          spec.months,
          spec.offsetSeconds,
        ]);
        assert.equal(
          sql.rows[0]?.start.toISOString(),
          new Date(windowBounds(Date.parse(instant), spec).startMs).toISOString(),
          `${text}${aligned ? ' aligned' : ''} at ${instant}`,
        );
      }
    }
  });

  it('admits exactly the limit when three nodes race for one request counter', async () => {
    const stores = [new PgCounterStore(newPool()), new PgCounterStore(newPool()), new PgCounterStore(newPool())];
    const limit = check('race', 'requests', 25);
    const outcomes = await Promise.all(Array.from({ length: 90 }, (_, i) => (stores[i % 3] as PgCounterStore).admit([{ check: limit, amount: 1 }])));
    assert.equal(outcomes.filter((o) => o.admitted).length, 25);
    const [reading] = await (stores[0] as PgCounterStore).read([limit]);
    assert.equal(reading?.used, 25);
  });

  it('judges a burst from one node in a few statements, each request alone, exactly to the limit', async () => {
    const counted = countStatements(newPool());
    const store = new PgCounterStore(counted.pool);
    await store.warm();
    const limit = check('burst', 'requests', 60);
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => store.admit([{ check: limit, amount: 1 }])));
    const admitted = outcomes.filter((o) => o.admitted);
    assert.equal(admitted.length, 60);
    assert.deepEqual(
      admitted.map((o) => o.readings[0]?.used).sort((a, b) => (a ?? 0) - (b ?? 0)),
      Array.from({ length: 60 }, (_, i) => i + 1),
      'each admitted request saw the usage left by the ones before it',
    );
    assert.ok(outcomes.filter((o) => !o.admitted).every((o) => o.readings[0]?.used === 60));
    assert.ok(counted.statements() <= 10, `200 admissions took ${counted.statements()} statements`);
    assert.equal((await store.read([limit]))[0]?.used, 60);
  });

  it('applies settlements sent with admissions first, so a refund admits the request behind it', async () => {
    const store = new PgCounterStore(newPool());
    const tokens = check('refund', 'tokens', 100);
    const first = await store.admit([{ check: tokens, amount: 100 }]);
    assert.equal((await store.admit([{ check: tokens, amount: 1 }])).admitted, false, 'at the limit');
    const windowStartMs = first.readings[0]!.windowStartMs;
    const [, after] = await Promise.all([
      store.adjust([{ scopeKind: 'rate_limit', scopeId: 'refund', limitKind: 'tokens', windowStartMs, delta: -70 }]),
      store.admit([{ check: tokens, amount: 5 }]),
    ]);
    assert.equal(after.admitted, true);
    assert.equal(after.readings[0]?.used, 35);
  });

  it('holds the limit while nodes of the previous version (governance_admit) race the new ones', async () => {
    const store = new PgCounterStore(newPool());
    await store.warm();
    const older = newPool();
    const limit = check('mixed', 'requests', 40);
    const olderAdmit = async () => {
      const result = await older.query<{ admitted: boolean }>(
        'SELECT o_admitted AS admitted FROM governance_admit($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::bigint[], $7::numeric[], $8::numeric[], $9::boolean[])',
        [['rate_limit'], ['mixed'], ['requests'], [limit.window.seconds], [limit.window.months], [limit.window.offsetSeconds], [40], [1], [true]],
      );
      return result.rows[0]?.admitted === true;
    };
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? olderAdmit() : store.admit([{ check: limit, amount: 1 }]).then((o) => o.admitted))),
    );
    assert.equal(answers.filter(Boolean).length, 40);
    assert.equal((await store.read([limit]))[0]?.used, 40);
  });

  it('charges nothing when any level refuses', async () => {
    const store = new PgCounterStore(newPool());
    const roomy = check('roomy', 'requests', 100);
    const full = check('full', 'requests', 1);
    assert.equal(
      (
        await store.admit([
          { check: roomy, amount: 1 },
          { check: full, amount: 1 },
        ])
      ).admitted,
      true,
    );
    const refused = await store.admit([
      { check: roomy, amount: 1 },
      { check: full, amount: 1 },
    ]);
    assert.equal(refused.admitted, false);
    assert.equal(refused.deniedIndex, 1);
    assert.deepEqual(
      (await store.read([roomy, full])).map((r) => r.used),
      [1, 1],
    );
  });

  it('lets the request that crosses a token or dollar limit through, then refuses, and settles deltas', async () => {
    const store = new PgCounterStore(newPool());
    const tokens = check('tok', 'tokens', 100);
    const first = await store.admit([{ check: tokens, amount: 80 }]);
    assert.equal(first.admitted, true);
    assert.equal((await store.admit([{ check: tokens, amount: 80 }])).admitted, true, 'usage 80 < 100: admitted, crossing the limit');
    const refused = await store.admit([{ check: tokens, amount: 1 }]);
    assert.equal(refused.admitted, false);
    assert.equal(refused.readings[0]?.used, 160);
    // Settlement: the two requests really used 30 tokens each.
    const windowStartMs = first.readings[0]!.windowStartMs;
    await store.adjust([
      { scopeKind: 'rate_limit', scopeId: 'tok', limitKind: 'tokens', windowStartMs, delta: -50 },
      { scopeKind: 'rate_limit', scopeId: 'tok', limitKind: 'tokens', windowStartMs, delta: -50 },
    ]);
    assert.equal((await store.read([tokens]))[0]?.used, 60);
    assert.equal((await store.admit([{ check: tokens, amount: 1 }])).admitted, true);
  });

  it('keeps fractional dollars exactly', async () => {
    const store = new PgCounterStore(newPool());
    const budget = check('usd', 'cost_usd', 1, '1M', true);
    for (let i = 0; i < 10; i++) await store.admit([{ check: budget, amount: 0.000123 }]);
    assert.equal((await store.read([budget]))[0]?.used, 0.00123);
  });
});
