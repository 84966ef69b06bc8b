import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicUpstream, type AnthropicUpstream } from '../../support/anthropic-upstream.js';
import { startGateway, type RunningGateway } from '../../support/start-gateway.js';

const KEY = 'sk-custom-claude-0123456789abcdef';

describe('a custom provider with base_provider_type "anthropic"', () => {
  let upstream: AnthropicUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startAnthropicUpstream(KEY);
    gw = await startGateway({
      providers: {
        'team-claude': {
          keys: [{ name: 'k', value: KEY, models: ['*'], weight: 1 }],
          network_config: { base_url: upstream.url },
          custom_provider_config: { base_provider_type: 'anthropic' },
        },
      },
    });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('is reached natively from the Anthropic route under its own name', async () => {
    const client = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'unused', maxRetries: 0 });
    const message = await client.messages.create({ model: 'team-claude/claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi team' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'echo: hi team' }]);
    assert.equal(upstream.requests[0]?.body.model, 'claude-haiku-4-5');
  });

  it('speaks the Messages API when called through /v1/chat/completions', async () => {
    const completion = await gw.openai().chat.completions.create({ model: 'team-claude/claude-haiku-4-5', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(completion.choices[0]?.message.content, 'echo: hello');
    assert.equal(upstream.requests[upstream.requests.length - 1]?.path, '/v1/messages');
  });
});
