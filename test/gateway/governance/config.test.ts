import assert from 'node:assert/strict';
import { ConfigLoadError, loadConfigBytes, validateConfigText, type ConfigIssue } from '../../../shared/config/index.js';
import { governedConfig, loadRuntime } from './fixtures.js';

function issuesOf(config: Record<string, unknown>): ConfigIssue[] {
  const result = validateConfigText(JSON.stringify(config));
  assert.equal(result.ok, false, 'expected the config to be refused');
  return result.ok ? [] : result.issues;
}

const paths = (issues: ConfigIssue[]): string[] => issues.map((issue) => issue.path);

describe('governance config', () => {
  it("accepts Bifrost's full shape and resolves it", () => {
    const config = loadRuntime(
      governedConfig(
        {
          virtual_keys: [
            {
              id: 'vk-1',
              name: 'search',
              value: 'env.VK_SEARCH',
              team_id: 'team-1',
              rate_limit_id: 'rl-1',
              budgets: ['b-vk', { id: 'b-inline', max_limit: 5, reset_duration: '1d' }],
              provider_configs: [
                { id: 'pc-1', provider: 'openai', weight: 2, allowed_models: ['gpt-4o-mini', 'regex:^o[0-9]'], key_ids: ['oa-1'], rate_limit_id: 'rl-2' },
              ],
            },
          ],
          budgets: [
            { id: 'b-vk', max_limit: 100, reset_duration: '1M', calendar_aligned: true },
            { id: 'b-team', max_limit: 500, reset_duration: '1Q', team_id: 'team-1' },
            { id: 'b-pc', max_limit: 1, reset_duration: '1h', provider_config_id: 'pc-1' },
            { id: 'b-cust', max_limit: 1000, reset_duration: '1Y' },
          ],
          rate_limits: [
            { id: 'rl-1', request_max_limit: 10, request_reset_duration: '1m', token_max_limit: 1000, token_reset_duration: '1h' },
            { id: 'rl-2', request_max_limit: 3, request_reset_duration: '30s' },
          ],
          teams: [{ id: 'team-1', customer_id: 'cust-1' }],
          customers: [{ id: 'cust-1', budget_id: 'b-cust' }],
        },
        { client: { enforce_governance_header: true } },
      ).valueOf() as Record<string, unknown>,
      { VK_SEARCH: 'sk-bf-search-0123456789' },
    );
    const gov = config.governance;
    assert.equal(gov.vkMandatory, true);
    assert.equal(gov.hasLimits, true);
    const key = gov.virtualKeys[0];
    assert.equal(key?.value, 'sk-bf-search-0123456789');
    assert.deepEqual(key?.budgetIds, ['b-vk', 'b-inline']);
    assert.deepEqual(key?.providerConfigs[0]?.budgetIds, ['b-pc']);
    assert.deepEqual(gov.teams.get('team-1')?.budgetIds, ['b-team']);
    assert.equal(gov.budgets.get('b-inline')?.maxUsd, 5);
    assert.equal(gov.rateLimits.get('rl-1')?.requests?.window.duration.seconds, 60);
    assert.equal(gov.budgets.get('b-team')?.window.duration.months, 3);
  });

  it('names every broken reference with its path', () => {
    const issues = issuesOf(
      governedConfig({
        virtual_keys: [
          {
            id: 'vk-1',
            value: 'sk-bf-aaaaaaaaaaaa',
            team_id: 'nope',
            rate_limit_id: 'rl-x',
            budget_id: 'b-x',
            provider_configs: [
              { provider: 'mistral', key_ids: ['k'] },
              { provider: 'openai', key_ids: ['oa-9'], allowed_models: ['regex:(['] },
            ],
          },
          { id: 'vk-1', value: 'sk-bf-aaaaaaaaaaaa', customer_id: 'c-x' },
        ],
        budgets: [
          { id: 'b-1', max_limit: 1, reset_duration: '1h', virtual_key_id: 'vk-9' },
          { id: 'b-2', max_limit: 1, reset_duration: '1h', team_id: 't', customer_id: 'c' },
        ],
        teams: [{ id: 't', customer_id: 'c-y' }],
      }),
    );
    const found = paths(issues);
    for (const path of [
      'governance.virtual_keys[0].team_id',
      'governance.virtual_keys[0].rate_limit_id',
      'governance.virtual_keys[0].budget_id',
      'governance.virtual_keys[0].provider_configs[0].provider',
      'governance.virtual_keys[0].provider_configs[1].key_ids[0]',
      'governance.virtual_keys[0].provider_configs[1].allowed_models[0]',
      'governance.virtual_keys[1].id',
      'governance.virtual_keys[1].value',
      'governance.virtual_keys[1].customer_id',
      'governance.budgets[0].virtual_key_id',
      'governance.budgets[1]',
      'governance.teams[0].customer_id',
    ]) {
      assert.ok(found.includes(path), `${path} in ${found.join(', ')}`);
    }
    assert.ok(!JSON.stringify(issues).includes('sk-bf-aaaaaaaaaaaa'), 'a duplicate value is never echoed');
  });

  it('accepts numeric ids, as older files have them', () => {
    const gov = loadRuntime(
      governedConfig({
        virtual_keys: [{ id: 7, value: 'sk-bf-0123456789ab', rate_limit_id: 3 }],
        rate_limits: [{ id: 3, request_max_limit: 1, request_reset_duration: '1m' }],
      }),
    ).governance;
    assert.equal(gov.virtualKeys[0]?.id, '7');
    assert.equal(gov.rateLimits.get('3')?.requests?.max, 1);
  });

  it('refuses bad durations and limits without durations', () => {
    const found = paths(
      issuesOf(
        governedConfig({
          budgets: [{ id: 'b', max_limit: 1, reset_duration: '1 hour' }],
          rate_limits: [{ id: 'r', request_max_limit: 5 }],
        }),
      ),
    );
    assert.deepEqual(found, ['governance.budgets[0].reset_duration', 'governance.rate_limits[0].request_reset_duration']);
  });

  it('refuses a key value without the sk-bf- prefix', () => {
    assert.deepEqual(paths(issuesOf(governedConfig({ virtual_keys: [{ id: 'vk', value: 'plain-value' }] }))), ['governance.virtual_keys[0].value']);
  });

  it('refuses two env references that resolve to one value', () => {
    const text = JSON.stringify(
      governedConfig({
        virtual_keys: [
          { id: 'a', value: 'env.A' },
          { id: 'b', value: 'env.B' },
        ],
      }),
    );
    assert.throws(
      () => loadConfigBytes(text, { A: 'sk-bf-same-value-123', B: 'sk-bf-same-value-123' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigLoadError);
        assert.deepEqual(paths([...error.issues]), ['governance.virtual_keys[1].value']);
        assert.ok(!error.message.includes('sk-bf-same'));
        return true;
      },
    );
  });

  it('honours all three switches that make keys mandatory', () => {
    const gov = { virtual_keys: [{ id: 'a', value: 'sk-bf-0123456789ab' }] };
    assert.equal(loadRuntime(governedConfig(gov)).governance.vkMandatory, false);
    assert.equal(loadRuntime(governedConfig(gov, { client: { enforce_auth_on_inference: true } })).governance.vkMandatory, true);
    assert.equal(loadRuntime(governedConfig(gov, { client: { enforce_governance_header: true } })).governance.vkMandatory, true);
    assert.equal(
      loadRuntime(governedConfig(gov, { plugins: [{ name: 'governance', enabled: true, config: { is_vk_mandatory: true } }] })).governance.vkMandatory,
      true,
    );
  });

  it('reports no limits when keys only restrict (no store needed)', () => {
    const config = loadRuntime(governedConfig({ virtual_keys: [{ id: 'a', value: 'sk-bf-0123456789ab', provider_configs: [{ provider: 'openai' }] }] }));
    assert.equal(config.governance.hasLimits, false);
    assert.equal(config.governance.configured, true);
  });
});
