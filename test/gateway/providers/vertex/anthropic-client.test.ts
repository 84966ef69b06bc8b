import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { clearVertexTokenCache } from '../../../../gateway/providers/vertex/auth.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { createTestServiceAccount, startGoogleTokenEndpoint, type GoogleTokenEndpoint } from '../../../support/google-token-endpoint.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';

describe('vertex through the node with the official @anthropic-ai/sdk', () => {
  let tokens: GoogleTokenEndpoint;
  let upstream: GeminiUpstream;
  let gateway: RunningGateway;
  let client: Anthropic;

  before(async () => {
    clearVertexTokenCache();
    tokens = await startGoogleTokenEndpoint();
    const account = createTestServiceAccount(tokens.url, 'anthropic-sdk@test-project.iam.gserviceaccount.com');
    tokens.trust(account);
    upstream = await startGeminiUpstream({ acceptBearer: (token) => tokens.issued.has(token) });
    gateway = await startGateway({
      providers: {
        vertex: {
          keys: [
            { name: 'v', value: '', models: ['*'], weight: 1, vertex_key_config: { project_id: 'proj', region: 'us-east5', auth_credentials: account.json } },
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
    await tokens.close();
  });

  it('answers and streams Messages requests from Gemini on Vertex with one token exchange', async () => {
    const message = await client.messages.create({ model: 'vertex/gemini-2.0-flash', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'echo: Hi' }]);

    const stream = client.messages.stream({ model: 'vertex/gemini-2.0-flash', max_tokens: 32, messages: [{ role: 'user', content: 'More' }] });
    const final = await stream.finalMessage();
    assert.deepEqual(final.content, [{ type: 'text', text: 'echo: More' }]);
    assert.equal(final.stop_reason, 'end_turn');

    assert.equal(tokens.exchanges, 1);
    assert.ok(upstream.requests.every((request) => request.path.startsWith('/v1/projects/proj/locations/us-east5/publishers/google/models/gemini-2.0-flash:')));
  });
});
