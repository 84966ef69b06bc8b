import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/core/errors.js';
import { decideAccess, findUsableKey, indexKeys } from '../../../gateway/governance/access.js';
import { extractVirtualKey, redactVirtualKey } from '../../../gateway/governance/extract-virtual-key.js';
import { governedConfig, loadRuntime } from './fixtures.js';

const VK = 'sk-bf-0123456789abcdef';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error.code;
  }
  return 'none';
}

describe('extractVirtualKey', () => {
  it('reads every header an official client sends its API key in', () => {
    assert.equal(extractVirtualKey({ 'x-bf-vk': VK }), VK);
    assert.equal(extractVirtualKey({ authorization: `Bearer ${VK}` }), VK);
    assert.equal(extractVirtualKey({ 'x-api-key': VK }), VK);
    assert.equal(extractVirtualKey({ 'x-goog-api-key': VK }), VK);
    assert.equal(extractVirtualKey({ 'api-key': VK }), VK);
  });

  it('ignores API keys that are not virtual keys, except in x-bf-vk', () => {
    assert.equal(extractVirtualKey({ authorization: 'Bearer sk-proj-abc' }), undefined);
    assert.equal(extractVirtualKey({ 'x-api-key': 'sk-ant-abc' }), undefined);
    assert.equal(extractVirtualKey({ 'x-bf-vk': 'anything' }), 'anything');
  });

  it('redacts to the first and last four characters', () => {
    assert.equal(redactVirtualKey(VK), 'sk-b****cdef');
  });
});

describe('access', () => {
  const config = (governance: Record<string, unknown>, version?: number) => loadRuntime(governedConfig(governance, version ? { version } : {})).governance;

  it('refuses unknown, inactive and expired keys', () => {
    const gov = config({
      virtual_keys: [
        { id: 'off', value: 'sk-bf-inactive-key-1', is_active: false },
        { id: 'old', value: 'sk-bf-expired-key-12', expires_at: '2020-01-01T00:00:00Z' },
      ],
    });
    const index = indexKeys(gov);
    assert.equal(
      codeOf(() => findUsableKey(index, 'sk-bf-unknown-key-12', Date.now())),
      'virtual_key_not_found',
    );
    assert.equal(
      codeOf(() => findUsableKey(index, 'sk-bf-inactive-key-1', Date.now())),
      'virtual_key_blocked',
    );
    assert.equal(
      codeOf(() => findUsableKey(index, 'sk-bf-expired-key-12', Date.now())),
      'virtual_key_blocked',
    );
  });

  it('restricts providers and models, with regex and a blacklist that wins', () => {
    const gov = config({
      virtual_keys: [
        {
          id: 'k',
          value: VK,
          provider_configs: [{ provider: 'openai', allowed_models: ['regex:^gpt-4o', 'o3'], blacklisted_models: ['gpt-4o-audio-preview'] }],
        },
      ],
    });
    const key = gov.virtualKeys[0]!;
    assert.equal(decideAccess(gov, key, 'openai/gpt-4o-mini').model, 'openai/gpt-4o-mini');
    assert.equal(decideAccess(gov, key, 'openai/o3').model, 'openai/o3');
    assert.equal(
      codeOf(() => decideAccess(gov, key, 'openai/gpt-3.5-turbo')),
      'model_blocked',
    );
    assert.equal(
      codeOf(() => decideAccess(gov, key, 'openai/gpt-4o-audio-preview')),
      'model_blocked',
    );
    assert.equal(
      codeOf(() => decideAccess(gov, key, 'anthropic/claude-sonnet-4-5')),
      'provider_blocked',
    );
  });

  it('treats empty lists by the file version: version 1 allows all, version 2 denies all', () => {
    const governance = {
      virtual_keys: [
        { id: 'k', value: VK, provider_configs: [{ provider: 'openai', allowed_models: [] }] },
        { id: 'none', value: 'sk-bf-no-providers-1' },
      ],
    };
    const v1 = config(governance, 1);
    const v2 = config(governance, 2);
    assert.equal(decideAccess(v1, v1.virtualKeys[0]!, 'openai/gpt-4o').provider, 'openai');
    assert.equal(
      codeOf(() => decideAccess(v2, v2.virtualKeys[0]!, 'openai/gpt-4o')),
      'model_blocked',
    );
    assert.equal(decideAccess(v1, v1.virtualKeys[1]!, 'anthropic/claude-x').provider, 'anthropic');
    assert.equal(
      codeOf(() => decideAccess(v2, v2.virtualKeys[1]!, 'anthropic/claude-x')),
      'provider_blocked',
    );
  });

  it('lets allow_all_providers through providers it has no config for', () => {
    const gov = config({ virtual_keys: [{ id: 'k', value: VK, allow_all_providers: true, provider_configs: [{ provider: 'openai' }] }] }, 2);
    assert.equal(decideAccess(gov, gov.virtualKeys[0]!, 'anthropic/claude-x').provider, 'anthropic');
  });

  it('restricts provider keys by key_ids', () => {
    const gov = config({
      virtual_keys: [
        {
          id: 'k',
          value: VK,
          provider_configs: [
            { provider: 'openai', key_ids: ['oa-2'] },
            { provider: 'anthropic', key_ids: ['*'] },
          ],
        },
      ],
    });
    assert.deepEqual([...(decideAccess(gov, gov.virtualKeys[0]!, 'openai/gpt-4o').allowedKeyNames ?? [])], ['oa-2']);
    assert.equal(decideAccess(gov, gov.virtualKeys[0]!, 'anthropic/claude-x').allowedKeyNames, undefined);
  });

  it("chooses the provider of a bare model by the provider configs' weights", () => {
    const gov = config({
      virtual_keys: [
        {
          id: 'k',
          value: VK,
          provider_configs: [
            { provider: 'openai', weight: 3, allowed_models: ['shared-model'] },
            { provider: 'anthropic', weight: 1, allowed_models: ['shared-model', 'claude-only'] },
          ],
        },
      ],
    });
    const key = gov.virtualKeys[0]!;
    assert.equal(decideAccess(gov, key, 'shared-model', () => 0.1).model, 'openai/shared-model');
    assert.equal(decideAccess(gov, key, 'shared-model', () => 0.8).model, 'anthropic/shared-model');
    assert.equal(decideAccess(gov, key, 'claude-only', () => 0.1).model, 'anthropic/claude-only');
    assert.equal(
      codeOf(() => decideAccess(gov, key, 'unlisted')),
      'model_blocked',
    );
  });
});
