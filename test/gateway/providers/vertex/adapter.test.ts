import assert from 'node:assert/strict';
import { GatewayError } from '../../../../gateway/core/errors.js';
import { clearVertexTokenCache } from '../../../../gateway/providers/vertex/auth.js';
import { vertexDefaultBaseUrl } from '../../../../gateway/providers/vertex/endpoint.js';
import { vertexAdapter } from '../../../../gateway/providers/vertex/index.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import {
  createTestServiceAccount,
  startGoogleTokenEndpoint,
  type GoogleTokenEndpoint,
  type TestServiceAccount,
} from '../../../support/google-token-endpoint.js';
import { collect, upstreamTarget } from '../gemini/fixture-helpers.js';

describe('vertex adapter with a service account', () => {
  let tokens: GoogleTokenEndpoint;
  let upstream: GeminiUpstream;
  let account: TestServiceAccount;

  beforeEach(async () => {
    clearVertexTokenCache();
    tokens = await startGoogleTokenEndpoint();
    account = createTestServiceAccount(tokens.url);
    tokens.trust(account);
    upstream = await startGeminiUpstream({ acceptBearer: (token) => tokens.issued.has(token) });
  });
  afterEach(async () => {
    await upstream.close();
    await tokens.close();
  });

  const target = (credentials: string) =>
    upstreamTarget(upstream.url, { vertex: { project_id: 'my-project', region: 'europe-west4', auth_credentials: credentials } }, 'vertex', 'gemini-2.0-flash');

  it('exchanges a signed JWT at the key file token_uri and calls the project/region model path with the bearer token', async () => {
    const response = await vertexAdapter.chat({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hola' }] }, target(account.json));
    assert.equal(response.choices[0]?.message.content, 'echo: hola');
    assert.equal(tokens.exchanges, 1);
    assert.equal(tokens.lastClaims?.iss, account.clientEmail);
    const request = upstream.requests[0];
    assert.equal(request?.path, '/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent');
    assert.equal(request?.headers.authorization, 'Bearer ya29.test-token-1');
  });

  it('reuses the cached token across requests, streaming or not', async () => {
    const request = { model: 'gemini-2.0-flash', messages: [{ role: 'user' as const, content: 'again' }] };
    await vertexAdapter.chat(request, target(account.json));
    const chunks = await collect(await vertexAdapter.chatStream(request, target(account.json)));
    await vertexAdapter.chat(request, target(account.json));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'echo: again');
    assert.equal(upstream.requests[1]?.query.get('alt'), 'sse');
    assert.equal(tokens.exchanges, 1);
    assert.equal(upstream.requests.length, 3);
  });

  it('shares one token exchange among a burst of concurrent first requests', async () => {
    const request = { model: 'gemini-2.0-flash', messages: [{ role: 'user' as const, content: 'burst' }] };
    const answers = await Promise.all(Array.from({ length: 8 }, () => vertexAdapter.chat(request, target(account.json))));
    assert.equal(answers.length, 8);
    assert.equal(tokens.exchanges, 1);
    assert.equal(upstream.requests.length, 8);
  });

  it('reports a refused token exchange as a 401 without the private key', async () => {
    const stranger = createTestServiceAccount(tokens.url, 'stranger@test-project.iam.gserviceaccount.com');
    await assert.rejects(vertexAdapter.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, target(stranger.json)), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.status, 401);
      assert.match(error.message, /token exchange failed.*invalid_grant/);
      assert.ok(!error.message.includes('PRIVATE KEY'));
      return true;
    });
    assert.equal(upstream.requests.length, 0);
  });

  it('refuses credentials that are not a service-account JSON with a configuration error', async () => {
    await assert.rejects(vertexAdapter.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, target('{not json')), (error: unknown) => {
      return error instanceof GatewayError && error.code === 'no_usable_key' && /auth_credentials is not valid JSON/.test(error.message);
    });
  });

  it('defaults to the regional aiplatform origin', () => {
    const key = { name: 'k', value: '', models: ['*'], weight: 1, usable: true, missingVariables: [] };
    assert.equal(vertexDefaultBaseUrl({ ...key, vertex: { project_id: 'p', region: 'us-central1' } }), 'https://us-central1-aiplatform.googleapis.com');
    assert.equal(vertexDefaultBaseUrl({ ...key, vertex: { project_id: 'p', region: 'global' } }), 'https://aiplatform.googleapis.com');
  });
});
