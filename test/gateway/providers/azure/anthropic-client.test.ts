import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { defaultAzureStream, startAzureUpstream, type AzureUpstream } from '../../../support/azure-upstream.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const API_KEY = 'azure-anthropic-sdk-key-0123456789';

describe('azure through the node with the official @anthropic-ai/sdk', () => {
  let upstream: AzureUpstream;
  let gateway: RunningGateway;
  let client: Anthropic;

  before(async () => {
    upstream = await startAzureUpstream(API_KEY);
    gateway = await startGateway({
      providers: {
        azure: {
          keys: [
            {
              name: 'az',
              value: API_KEY,
              models: ['*'],
              weight: 1,
              azure_key_config: { endpoint: 'https://contoso.openai.azure.com', deployments: { 'gpt-4o': 'gpt4o-eu' } },
            },
          ],
          network_config: { base_url: upstream.url },
        },
      },
    });
    client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers a Messages request from the Azure deployment', async () => {
    const message = await client.messages.create({
      model: 'azure/gpt-4o',
      max_tokens: 50,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from gpt4o-eu' }]);
    assert.equal(message.stop_reason, 'end_turn');
    const sent = upstream.requests[upstream.requests.length - 1];
    assert.equal(sent?.deployment, 'gpt4o-eu');
    assert.deepEqual(sent?.body.messages[0], { role: 'system', content: 'Be brief.' });
  });

  it('streams the Azure SSE stream as Anthropic events', async () => {
    upstream.setHandler((request) =>
      request.body.stream ? { kind: 'sse', events: defaultAzureStream(request.deployment, ['Bon', 'jour']) } : { kind: 'json', status: 500, body: {} },
    );
    const stream = client.messages.stream({ model: 'azure/gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    assert.equal(text, 'Bonjour');
    assert.equal(message.stop_reason, 'end_turn');
  });
});
