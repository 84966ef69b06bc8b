import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { clearVertexTokenCache } from '../../../../gateway/providers/vertex/auth.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { createTestServiceAccount, startGoogleTokenEndpoint, type GoogleTokenEndpoint } from '../../../support/google-token-endpoint.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { JSON_SCHEMA_TOOL_PARAMETERS } from '../gemini/tool-schemas.js';

describe('vertex provider through the official openai client', () => {
  let tokens: GoogleTokenEndpoint;
  let upstream: GeminiUpstream;
  let gateway: RunningGateway;

  before(async () => {
    clearVertexTokenCache();
    tokens = await startGoogleTokenEndpoint();
    const account = createTestServiceAccount(tokens.url);
    tokens.trust(account);
    upstream = await startGeminiUpstream({ acceptBearer: (token) => tokens.issued.has(token) });
    gateway = await startGateway(
      {
        providers: {
          vertex: {
            keys: [
              {
                name: 'vertex-sa',
                value: '',
                models: ['*'],
                weight: 1,
                vertex_key_config: { project_id: 'acme-prod', region: 'us-central1', auth_credentials: 'env.VERTEX_CREDENTIALS' },
              },
            ],
            network_config: { base_url: upstream.url },
          },
        },
      },
      { env: { VERTEX_CREDENTIALS: account.json } },
    );
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
    await tokens.close();
  });

  it('answers JSON and streamed completions with one token exchange, on the project/region path', async () => {
    const client = gateway.openai();
    const completion = await client.chat.completions.create({ model: 'vertex/gemini-2.0-flash', messages: [{ role: 'user', content: 'one' }] });
    assert.equal(completion.choices[0]?.message.content, 'echo: one');
    assert.equal(completion.usage?.total_tokens, 10);

    const stream = await client.chat.completions.create({ model: 'vertex/gemini-2.0-flash', messages: [{ role: 'user', content: 'two' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'echo: two');

    assert.equal(tokens.exchanges, 1);
    assert.deepEqual(
      upstream.requests.map((request) => [request.path, request.headers.authorization]),
      [
        ['/v1/projects/acme-prod/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent', 'Bearer ya29.test-token-1'],
        ['/v1/projects/acme-prod/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent', 'Bearer ya29.test-token-1'],
      ],
    );
  });

  it('takes tool schemas in full JSON Schema (type arrays, const, $ref) on the same path as Gemini', async () => {
    upstream.requests.length = 0;
    const tools = [{ type: 'function' as const, function: { name: 'configure', parameters: JSON_SCHEMA_TOOL_PARAMETERS } }];
    const completion = await gateway
      .openai()
      .chat.completions.create({ model: 'vertex/gemini-2.0-flash', messages: [{ role: 'user', content: 'set it' }], tools });
    assert.equal(completion.choices[0]?.message.content, 'echo: set it');
    assert.equal(upstream.requests[0]?.api, 'vertex');
    assert.deepEqual(upstream.requests[0]?.body.tools[0].functionDeclarations[0].parametersJsonSchema, JSON_SCHEMA_TOOL_PARAMETERS);
  });

  it('embeds through the model :predict method with token counts', async () => {
    const response = await gateway
      .openai()
      .embeddings.create({ model: 'vertex/text-embedding-005', input: ['abc', 'hello'], encoding_format: 'float', dimensions: 3 });
    assert.deepEqual(
      response.data.map((item) => item.embedding),
      [
        [3, 97, 0.5],
        [5, 104, 0.5],
      ],
    );
    assert.deepEqual(response.usage, { prompt_tokens: 8, total_tokens: 8 });
    const sent = upstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/projects/acme-prod/locations/us-central1/publishers/google/models/text-embedding-005:predict');
    assert.deepEqual(sent?.body, { instances: [{ content: 'abc' }, { content: 'hello' }], parameters: { outputDimensionality: 3 } });
  });

  it("passes Vertex's error status to the client", async () => {
    upstream.enqueue({ kind: 'error', status: 404, message: 'Publisher Model `gemini-9` was not found.', googleStatus: 'NOT_FOUND' });
    await assert.rejects(
      gateway.openai().chat.completions.create({ model: 'vertex/gemini-9', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof APIError && error.status === 404 && /gemini-9/.test(error.message),
    );
  });
});
