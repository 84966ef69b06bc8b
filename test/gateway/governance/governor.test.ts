import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../../shared/logger.js';
import { GatewayError } from '../../../gateway/core/errors.js';
import { GovernanceSeams } from '../../../gateway/governance/governance-seams.js';
import { Governor } from '../../../gateway/governance/governor.js';
import { GovernanceMetrics } from '../../../gateway/governance/metrics.js';
import { loadPriceTable } from '../../../gateway/governance/prices.js';
import { LocalCounters } from '../../../gateway/governance/store/local-counters.js';
import type { AdmitOutcome, CounterAdjustment, CounterCharge, CounterReading, CounterStore } from '../../../gateway/governance/store/counter-store.js';
import type { CounterCheck } from '../../../gateway/governance/hierarchy.js';
import { governedConfig, loadRuntime } from './fixtures.js';

const NOW = Date.parse('2026-12-03T08:17:30Z');

/** The local counters as a whole store, recording adjustments (the admission rule is the store's). */
class MemoryStore implements CounterStore {
  readonly counters = new LocalCounters();
  readonly adjustments: CounterAdjustment[] = [];
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    return this.counters.admit(charges, NOW);
  }
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    this.adjustments.push(...adjustments);
  }
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    return checks.map((check) => this.counters.read(check, NOW));
  }
  async close(): Promise<void> {}
}

const VK = 'sk-bf-governor-test-0001';

function setup(governance: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const settings = loadRuntime(governedConfig(governance, extra)).governance;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write: (chunk: Buffer, _e, cb) => {
        for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l));
        cb();
      },
    }),
  });
  const store = new MemoryStore();
  const governor = new Governor(settings, { store, metrics: new GovernanceMetrics(new Registry()), logger, prices: loadPriceTable(), now: () => NOW });
  return { governor, store, logs, logger };
}

/** The denial of a check: a rejected promise (a check never throws synchronously). */
async function refusal(checked: unknown): Promise<GatewayError> {
  assert.ok(checked instanceof Promise, 'a denial is a rejected promise');
  try {
    await checked;
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('Governor', () => {
  const body = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 };

  it('lets requests without a key through unless keys are mandatory', async () => {
    const optional = setup({ virtual_keys: [{ id: 'k', value: VK }] });
    assert.equal(await optional.governor.check({ headers: {}, model: 'openai/gpt-4o', body }), undefined);
    const mandatory = setup({ virtual_keys: [{ id: 'k', value: VK }] }, { client: { enforce_auth_on_inference: true } });
    const error = await refusal(mandatory.governor.check({ headers: {}, model: 'openai/gpt-4o', body }));
    assert.equal(error.code, 'virtual_key_required');
    assert.equal(error.message, 'virtual key is required. Provide a virtual key via the x-bf-vk header.');
    assert.equal(
      (await refusal(optional.governor.check({ headers: { 'x-bf-vk': 'sk-bf-nobody-000000' }, model: 'openai/gpt-4o', body }))).code,
      'virtual_key_not_found',
    );
  });

  it("refuses the request past a request limit with the window's end as Retry-After", async () => {
    const { governor } = setup({
      virtual_keys: [{ id: 'k', value: VK, rate_limit_id: 'rl' }],
      rate_limits: [{ id: 'rl', request_max_limit: 2, request_reset_duration: '1m' }],
    });
    const input = { headers: { authorization: `Bearer ${VK}` }, model: 'openai/gpt-4o', body };
    assert.equal((await governor.check(input))?.principal.virtualKeyId, 'k');
    await governor.check(input);
    const error = await refusal(governor.check(input));
    assert.equal(error.code, 'request_limited');
    assert.equal(error.status, 429);
    assert.match(error.message, /^request limit exceeded \(2\/2, resets every 1m; rate limit rl of virtual key k\)$/);
    assert.equal(error.retryAfterMs, 30_000);
  });

  it('reserves tokens and dollars from the estimate and settles the difference with the real usage', async () => {
    const { governor, store } = setup({
      virtual_keys: [{ id: 'k', value: VK, rate_limit_id: 'rl', budget_id: 'b' }],
      rate_limits: [{ id: 'rl', token_max_limit: 10_000, token_reset_duration: '1h' }],
      budgets: [{ id: 'b', max_limit: 10, reset_duration: '1d' }],
    });
    const admission = await governor.check({ headers: { 'x-bf-vk': VK }, model: 'openai/gpt-4o', body });
    assert.ok(admission);
    const tokens = admission.reservations.find((r) => r.check.limitKind === 'tokens');
    const dollars = admission.reservations.find((r) => r.check.limitKind === 'cost_usd');
    assert.ok(tokens && tokens.amount > 100 && dollars && dollars.amount > 0);
    await governor.settle(admission, { provider: 'openai', model: 'gpt-4o', promptTokens: 10, completionTokens: 20 });
    const byKind = new Map(store.adjustments.map((a) => [a.limitKind, a.delta]));
    assert.equal(byKind.get('tokens'), 30 - tokens.amount);
    assert.ok(Math.abs((byKind.get('cost_usd') as number) - (10 * 2.5e-6 + 20 * 1e-5 - dollars.amount)) < 1e-12);
  });

  it("refuses once a budget is spent, in Bifrost's words", async () => {
    const { governor } = setup({
      virtual_keys: [{ id: 'k', value: VK, team_id: 't' }],
      teams: [{ id: 't', budget_id: 'b' }],
      budgets: [{ id: 'b', max_limit: 0, reset_duration: '1M' }],
    });
    const error = await refusal(governor.check({ headers: { 'x-bf-vk': VK }, model: 'openai/gpt-4o', body }));
    assert.equal(error.code, 'budget_exceeded');
    assert.equal(error.status, 402);
    assert.match(error.message, /^budget exceeded: 0\.0000 >= 0\.0000 dollars/);
  });

  it('charges an unpriced model $0, saying so once per model', async () => {
    const { governor, store, logs, logger } = setup({
      virtual_keys: [{ id: 'k', value: VK, budget_id: 'b' }],
      budgets: [{ id: 'b', max_limit: 10, reset_duration: '1d' }],
    });
    for (let i = 0; i < 2; i++) {
      const admission = await governor.check({ headers: { 'x-bf-vk': VK }, model: 'openai/house-model', body });
      await governor.settle(admission!, { provider: 'openai', model: 'house-model', promptTokens: 1000, completionTokens: 1000 });
    }
    assert.deepEqual(
      store.adjustments.map((a) => a.delta),
      [0, 0],
    );
    logger.flush();
    assert.equal(logs.filter((l) => l.event === 'governance-model-unpriced').length, 1);
  });

  it("checks fallbacks against the key's restrictions too", async () => {
    const { governor } = setup({ virtual_keys: [{ id: 'k', value: VK, provider_configs: [{ provider: 'openai' }] }] }, { version: 2 });
    const error = await refusal(governor.check({ headers: { 'x-bf-vk': VK }, model: 'openai/gpt-4o', fallbacks: ['anthropic/claude-x'], body }));
    assert.equal(error.code, 'provider_blocked');
  });
});

describe('GovernanceSeams', () => {
  const governance = {
    virtual_keys: [
      { id: 'k', value: VK, team_id: 't', rate_limit_id: 'rl', provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o'], key_ids: ['oa-2'] }] },
    ],
    teams: [{ id: 't' }],
    rate_limits: [{ id: 'rl', token_max_limit: 100_000, token_reset_duration: '1h' }],
  };
  const outcome = (principal: unknown, facts: Partial<{ inputTokens: number; outputTokens: number; succeeded: boolean; firstChunkMs: number }>) => ({
    principal,
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 0,
    outputTokens: 0,
    succeeded: false,
    firstChunkMs: undefined,
    ...facts,
  });

  async function admitted() {
    const { governor, store } = setup(governance);
    const seams = new GovernanceSeams(governor);
    const state: { principal?: unknown } = {};
    const route: { model: string; capability: string; allowedKeys?: ReadonlyMap<string, ReadonlySet<string>> } = { model: 'gpt-4o', capability: 'chat' };
    await seams.check.check({ state, headers: { 'x-bf-vk': VK }, body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }, route });
    return { seams, store, state, route };
  }

  it('notes the principal, routes a bare model and restricts the provider keys', async () => {
    const { state, route } = await admitted();
    // Only the ids: the admission the principal carries is neither enumerable nor serialised.
    assert.deepEqual({ ...(state.principal as object) }, { virtualKey: 'k', virtualKeyName: 'k', team: 't' });
    assert.equal(JSON.stringify(state.principal), '{"virtualKey":"k","virtualKeyName":"k","team":"t"}');
    assert.equal(route.model, 'openai/gpt-4o');
    assert.deepEqual([...(route.allowedKeys?.get('openai') ?? [])], ['oa-2']);
  });

  it('settles to the reported usage, keeps the reservation for an answer without usage, and gives it back for a failure', async () => {
    const reported = await admitted();
    reported.seams.sink.record(outcome(reported.state.principal, { inputTokens: 3, outputTokens: 4, succeeded: true }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reported.store.adjustments.length, 1);

    const silent = await admitted();
    silent.seams.sink.record(outcome(silent.state.principal, { succeeded: true, firstChunkMs: 5 }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(silent.store.adjustments.length, 0, 'a stream without usage is charged its estimate');

    const failed = await admitted();
    failed.seams.sink.record(outcome(failed.state.principal, {}));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok((failed.store.adjustments[0]?.delta ?? 0) < 0, 'the reservation is given back');
  });

  it('settles an admission once, however often its outcome is recorded', async () => {
    const { seams, store, state } = await admitted();
    const answered = outcome(state.principal, { inputTokens: 3, outputTokens: 4, succeeded: true });
    seams.sink.record(answered);
    seams.sink.record(answered);
    seams.sink.record(outcome({ ...(state.principal as object) }, { inputTokens: 3, outputTokens: 4, succeeded: true }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.adjustments.length, 1);
  });
});

describe('Governor over leases the node holds', () => {
  /** A store whose leases cover everything: answered in memory, like PgCounterStore between statements. */
  class HeldStore extends MemoryStore {
    held = 0;
    settledHeld: CounterAdjustment[] = [];
    admitHeld(charges: readonly CounterCharge[]): AdmitOutcome {
      this.held += 1;
      return this.counters.admit(charges, NOW);
    }
    settleHeld(adjustments: readonly CounterAdjustment[]): readonly CounterAdjustment[] {
      this.settledHeld.push(...adjustments.filter((a) => a.limitKind === 'tokens'));
      return adjustments.filter((a) => a.limitKind !== 'tokens');
    }
  }
  const governance = {
    virtual_keys: [{ id: 'k', value: VK, rate_limit_id: 'rl', budget_id: 'b' }],
    rate_limits: [{ id: 'rl', request_max_limit: 1, request_reset_duration: '1m', token_max_limit: 10_000, token_reset_duration: '1h' }],
    budgets: [{ id: 'b', max_limit: 10, reset_duration: '1d' }],
  };

  function heldSetup() {
    const settings = loadRuntime(governedConfig(governance)).governance;
    const store = new HeldStore();
    const governor = new Governor(settings, {
      store,
      metrics: new GovernanceMetrics(new Registry()),
      logger: createLogger({ level: 'silent' }),
      prices: loadPriceTable(),
      now: () => NOW,
    });
    return { governor, store };
  }
  const input = { headers: { 'x-bf-vk': VK }, model: 'openai/gpt-4o', body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 } };

  it('admits without a promise when the leases cover every counter, and refuses past the limit all the same', async () => {
    const { governor, store } = heldSetup();
    const admission = governor.check(input);
    assert.ok(admission && !(admission instanceof Promise), 'answered synchronously');
    assert.equal(admission.principal.virtualKeyId, 'k');
    assert.equal(store.held, 1);
    const error = await refusal(governor.check(input));
    assert.equal(error.code, 'request_limited');
  });

  it('settles into the leases what they cover and sends only the rest to the store', async () => {
    const { governor, store } = heldSetup();
    const admission = governor.check(input);
    assert.ok(admission && !(admission instanceof Promise));
    await governor.settle(admission, { provider: 'openai', model: 'gpt-4o', promptTokens: 10, completionTokens: 20 });
    assert.deepEqual(
      store.settledHeld.map((a) => a.limitKind),
      ['tokens'],
    );
    assert.deepEqual(
      store.adjustments.map((a) => a.limitKind),
      ['cost_usd'],
    );
  });
});
