import assert from 'node:assert/strict';
import type { ProviderKey, ProviderSettings } from '../../../shared/config/index.js';
import { GatewayError } from '../../../gateway/core/errors.js';
import { keyAllowsModel, pickWeightedKey, selectEligibleKeys } from '../../../gateway/core/key-selection.js';
import { seededRandom } from '../../support/seeded-random.js';

function key(name: string, overrides: Partial<ProviderKey> = {}): ProviderKey {
  return { name, value: `sk-${name}-secret-value`, models: ['*'], weight: 1, usable: true, missingVariables: [], ...overrides };
}

function provider(keys: ProviderKey[], overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: 'openai',
    protocol: 'openai',
    custom: false,
    extraHeaders: {},
    timeoutMs: 30_000,
    maxRetries: 0,
    backoffInitialMs: 500,
    backoffMaxMs: 5000,
    concurrency: 10,
    bufferSize: 10,
    keyless: false,
    keys,
    ...overrides,
  };
}

describe('key selection', () => {
  it('picks keys in proportion to their weights (seeded, within tolerance)', () => {
    const keys = [key('a', { weight: 0.7 }), key('b', { weight: 0.2 }), key('c', { weight: 0.1 })];
    const random = seededRandom(42);
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const chosen = pickWeightedKey(keys, random).name;
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    for (const [name, share] of [
      ['a', 0.7],
      ['b', 0.2],
      ['c', 0.1],
    ] as const) {
      const observed = (counts.get(name) ?? 0) / draws;
      assert.ok(Math.abs(observed - share) < 0.02, `${name}: ${observed} vs ${share}`);
    }
  });

  it('never picks a key of weight 0 while another key has weight', () => {
    const keys = [key('zero', { weight: 0 }), key('one', { weight: 1 })];
    const random = seededRandom(7);
    for (let i = 0; i < 1000; i++) assert.equal(pickWeightedKey(keys, random).name, 'one');
  });

  it('picks uniformly when every key weighs 0', () => {
    const keys = [key('a', { weight: 0 }), key('b', { weight: 0 })];
    const random = seededRandom(3);
    const names = new Set(Array.from({ length: 200 }, () => pickWeightedKey(keys, random).name));
    assert.deepEqual([...names].sort(), ['a', 'b']);
  });

  it('only considers keys whose models allow the model', () => {
    const keys = selectEligibleKeys(provider([key('mini', { models: ['gpt-4o-mini'] }), key('all'), key('other', { models: ['o1'] })]), 'gpt-4o-mini');
    assert.deepEqual(
      keys.map((k) => k.name),
      ['mini', 'all'],
    );
    assert.ok(keyAllowsModel(key('empty', { models: [] }), 'anything'), 'an empty list allows every model');
  });

  it('lets a key pinned by vllm_key_config.model_name serve only that model', () => {
    const pinned = key('v', { server: { url: 'http://v:8000', model_name: 'qwen' } });
    assert.equal(keyAllowsModel(pinned, 'qwen'), true);
    assert.equal(keyAllowsModel(pinned, 'llama'), false);
  });

  it('skips unusable keys', () => {
    const keys = selectEligibleKeys(provider([key('gone', { usable: false, missingVariables: ['GONE'] }), key('ok')]), 'm');
    assert.deepEqual(
      keys.map((k) => k.name),
      ['ok'],
    );
  });

  it('refuses with 400 when no key allows the model', () => {
    assert.throws(
      () => selectEligibleKeys(provider([key('o1', { models: ['o1'] })]), 'gpt-4o'),
      (error: unknown) => error instanceof GatewayError && error.status === 400 && error.code === 'model_not_supported',
    );
  });

  it('names the unset variables, and no secret, when only unusable keys allow the model', () => {
    assert.throws(
      () => selectEligibleKeys(provider([key('gone', { usable: false, missingVariables: ['OPENAI_KEY_X'] })]), 'm'),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, 'no_usable_key');
        assert.match(error.message, /OPENAI_KEY_X/);
        assert.ok(!error.message.includes('secret-value'));
        return true;
      },
    );
  });

  it('needs no key for a key-less provider', () => {
    assert.deepEqual(selectEligibleKeys(provider([], { keyless: true }), 'm'), []);
  });
});
