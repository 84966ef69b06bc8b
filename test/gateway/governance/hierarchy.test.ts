import assert from 'node:assert/strict';
import { decideAccess } from '../../../gateway/governance/access.js';
import { collectCounters } from '../../../gateway/governance/hierarchy.js';
import { governedConfig, loadRuntime } from './fixtures.js';

describe('hierarchy', () => {
  const gov = loadRuntime(
    governedConfig({
      virtual_keys: [
        {
          id: 'vk-team',
          value: 'sk-bf-team-member-01',
          team_id: 't',
          rate_limit_id: 'rl-shared',
          provider_configs: [{ id: 'pc', provider: 'openai', rate_limit_id: 'rl-pc' }],
        },
        { id: 'vk-cust', value: 'sk-bf-customer-key-1', customer_id: 'c', budget_id: 'b-vk' },
      ],
      budgets: [
        { id: 'b-vk', max_limit: 10, reset_duration: '1M' },
        { id: 'b-team', max_limit: 50, reset_duration: '1M', team_id: 't' },
        { id: 'b-cust', max_limit: 100, reset_duration: '1M' },
        { id: 'b-pc', max_limit: 1, reset_duration: '1d', provider_config_id: 'pc' },
      ],
      rate_limits: [
        { id: 'rl-pc', request_max_limit: 5, request_reset_duration: '1m' },
        { id: 'rl-shared', request_max_limit: 100, request_reset_duration: '1h', token_max_limit: 1000, token_reset_duration: '1h' },
      ],
      teams: [{ id: 't', customer_id: 'c', rate_limit_id: 'rl-shared' }],
      customers: [{ id: 'c', budget_id: 'b-cust' }],
    }),
  ).governance;
  const summary = (key: number, model: string) =>
    collectCounters(gov, decideAccess(gov, gov.virtualKeys[key]!, model)).map((c) => `${c.level}:${c.scopeKind}:${c.scopeId}:${c.limitKind}`);

  it('checks provider config, key, team and customer, most specific first', () => {
    assert.deepEqual(summary(0, 'openai/gpt-4o'), [
      'provider_config:rate_limit:rl-pc:requests',
      'provider_config:budget:b-pc:cost_usd',
      'virtual_key:rate_limit:rl-shared:requests',
      'virtual_key:rate_limit:rl-shared:tokens',
      // The team names rl-shared too: one counter, charged once.
      'team:budget:b-team:cost_usd',
      'customer:budget:b-cust:cost_usd',
    ]);
  });

  it('reaches the customer straight from a key that names one', () => {
    assert.deepEqual(summary(1, 'anthropic/claude-x'), ['virtual_key:budget:b-vk:cost_usd', 'customer:budget:b-cust:cost_usd']);
  });
});
