import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { startGateway, type RunningGateway } from '../../support/start-gateway.js';
import { waitFor } from '../../support/wait-for.js';

const VK = 'sk-bf-http-errors-key-0001';
const VK_LIMITED = 'sk-bf-http-limited-key-02';
const VK_BUDGET = 'sk-bf-http-budget-key-003';
const VK_OFF = 'sk-bf-http-inactive-key-4';
const VK_PINNED = 'sk-bf-http-pinned-key-005';
const VK_ROUTED = 'sk-bf-http-routed-key-006';
const PROVIDER_KEY_1 = 'sk-upstream-key-one-0000001';
const PROVIDER_KEY_2 = 'sk-upstream-key-two-0000002';

/** Bifrost's governance error shape on the OpenAI routes. */
interface BifrostError {
  type?: string;
  status_code: number;
  error: { type: string; message: string };
}

describe('governance over HTTP (official clients, one node, real PostgreSQL)', function () {
  this.timeout(60_000);
  let pg: PostgresServer;
  let upstream: MockUpstream;
  let gw: RunningGateway;

  before(async () => {
    pg = await startPostgres();
    upstream = await MockUpstream.start();
    const databaseUrl = pg.url(await pg.createDatabase('governance_http'));
    gw = await startGateway(
      {
        client: { enforce_auth_on_inference: true },
        providers: {
          openai: {
            keys: [
              { name: 'oa-1', value: PROVIDER_KEY_1, models: ['*'], weight: 1 },
              { name: 'oa-2', value: PROVIDER_KEY_2, models: ['*'], weight: 1 },
            ],
            network_config: { base_url: upstream.url },
          },
          anthropic: { keys: [{ name: 'an', value: 'sk-ant-unused-000000000', models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } },
          gemini: { keys: [{ name: 'gm', value: 'AIza-unused-00000000000', models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } },
        },
        governance: {
          auth_config: { admin_username: 'ops', admin_password: 'env.ADMIN_PASSWORD' },
          virtual_keys: [
            { id: 'vk-main', name: 'main', value: 'env.VK_MAIN', provider_configs: [{ provider: 'openai', allowed_models: ['regex:^gpt-4o'], weight: 1 }] },
            { id: 'vk-limited', value: VK_LIMITED, rate_limit_id: 'two-per-year', allow_all_providers: true },
            { id: 'vk-budget', value: VK_BUDGET, budget_id: 'tiny', allow_all_providers: true },
            { id: 'vk-off', value: VK_OFF, is_active: false },
            { id: 'vk-pinned', value: VK_PINNED, provider_configs: [{ provider: 'openai', key_ids: ['oa-2'] }] },
            { id: 'vk-routed', value: VK_ROUTED, budget_id: 'routed', provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o'], weight: 1 }] },
          ],
          rate_limits: [{ id: 'two-per-year', request_max_limit: 2, request_reset_duration: '1Y' }],
          // gpt-4o: one mock answer (5 prompt + 4 completion tokens) costs $0.0000525.
          budgets: [
            { id: 'tiny', max_limit: 0.00005, reset_duration: '1M', calendar_aligned: true },
            { id: 'routed', max_limit: 1, reset_duration: '1M', calendar_aligned: true },
          ],
        },
      },
      { env: { VK_MAIN: VK, ADMIN_PASSWORD: 'usage-reader-pw' }, governance: { databaseUrl } },
    );
  });

  after(async () => {
    await gw?.close();
    await upstream?.close();
    await pg?.destroy();
  });

  const openai = (apiKey: string): OpenAI => gw.openai({ apiKey });
  const chat = (client: OpenAI, model = 'openai/gpt-4o-mini') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 });

  async function rawError(path: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  it("serves a virtual key given as the OpenAI SDK's API key, and never sends it upstream", async () => {
    const before = upstream.requests.length;
    const answer = await chat(openai(VK));
    assert.equal(answer.choices[0]?.message.content, 'hello from mock');
    const sent = upstream.requests.slice(before);
    assert.equal(sent.length, 1);
    const headerText = JSON.stringify(sent[0]?.headers);
    assert.ok(!headerText.includes(VK), 'the virtual key never reaches the provider');
    assert.ok(!JSON.stringify(gw.logs).includes(VK), 'nor the log');
    // The access-log line is written when the response closes, just after the client has it.
    await waitFor(() => gw.logs.some((line) => line.virtual_key === 'vk-main' && line.status === 200));
  });

  it('governs streams: admitted before the first byte, refused as a JSON error', async () => {
    const stream = await openai(VK).chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
    await assert.rejects(
      openai(VK).chat.completions.create({ model: 'openai/gpt-3.5-turbo', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      (error: unknown) => error instanceof OpenAI.PermissionDeniedError && (error.error as { type?: string }).type === 'model_blocked',
    );
  });

  it("answers 401 virtual_key_required without a key, in Bifrost's shape", async () => {
    await assert.rejects(
      chat(openai('not-a-virtual-key')),
      (error: unknown) =>
        error instanceof OpenAI.AuthenticationError && error.status === 401 && (error.error as { type?: string }).type === 'virtual_key_required',
    );
    const raw = await rawError('/v1/chat/completions', {}, { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(raw.status, 401);
    assert.equal((raw.body as BifrostError).type, 'virtual_key_required');
    assert.equal((raw.body as BifrostError).status_code, 401);
    assert.equal((raw.body as BifrostError).error.message, 'virtual key is required. Provide a virtual key via the x-bf-vk header.');
  });

  it('answers 401 virtual_key_not_found and 403 virtual_key_blocked', async () => {
    await assert.rejects(
      chat(openai('sk-bf-nobody-has-this-key')),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && (error.error as { type?: string }).type === 'virtual_key_not_found',
    );
    await assert.rejects(
      chat(openai(VK_OFF)),
      (error: unknown) => error instanceof OpenAI.PermissionDeniedError && (error.error as { type?: string }).type === 'virtual_key_blocked',
    );
  });

  it('answers 403 model_blocked and provider_blocked for what the key does not allow', async () => {
    await assert.rejects(
      chat(openai(VK), 'openai/gpt-3.5-turbo'),
      (error: unknown) => error instanceof OpenAI.PermissionDeniedError && (error.error as { type?: string }).type === 'model_blocked',
    );
    await assert.rejects(
      chat(openai(VK), 'anthropic/claude-sonnet-4-5'),
      (error: unknown) => error instanceof OpenAI.PermissionDeniedError && (error.error as { type?: string }).type === 'provider_blocked',
    );
  });

  it("chooses the provider of a bare model from the key's provider configs", async () => {
    const answer = await chat(openai(VK), 'gpt-4o-mini');
    assert.equal((answer as unknown as { extra_fields: { provider: string } }).extra_fields.provider, 'openai');
  });

  it('uses only the provider keys named in key_ids', async () => {
    const before = upstream.requests.length;
    for (let i = 0; i < 4; i++) await chat(openai(VK_PINNED));
    const auth = upstream.requests.slice(before).map((r) => r.headers.authorization);
    assert.deepEqual(auth, Array(4).fill(`Bearer ${PROVIDER_KEY_2}`));
  });

  it('answers 429 request_limited with Retry-After past a request limit, on every dialect', async () => {
    const client = openai(VK_LIMITED);
    await chat(client);
    await chat(client);
    await assert.rejects(chat(client), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal((error.error as { type?: string }).type, 'request_limited');
      assert.match((error.error as { message: string }).message, /^request limit exceeded \(2\/2, resets every 1Y/);
      assert.ok(Number(error.headers?.get('retry-after')) > 0);
      return true;
    });
    // The usage each admission read, as /metrics shows it (published at scrape time).
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /governance_usage\{scope_kind="rate_limit",scope_id="two-per-year",limit_kind="requests"\} 2\n/);
    const anthropic = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: VK_LIMITED, maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-test-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.RateLimitError);
        assert.equal((error.error as { error: { type: string } }).error.type, 'rate_limit_error');
        assert.ok(Number(error.headers?.get('retry-after')) > 0);
        return true;
      },
    );
    const google = await rawError(
      '/genai/v1beta/models/gemini-2.0-flash:generateContent',
      { 'x-goog-api-key': VK_LIMITED },
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    );
    assert.equal(google.status, 429);
    assert.equal(google.body.error.status, 'RESOURCE_EXHAUSTED');
    assert.ok(Number(google.headers.get('retry-after')) > 0);
  });

  it("answers 401 in Anthropic's and Google's shapes", async () => {
    const anthropic = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: 'sk-bf-unknown-anthropic-01', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-test-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      Anthropic.AuthenticationError,
    );
    const google = await rawError('/genai/v1beta/models/gemini-2.0-flash:generateContent', {}, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(google.status, 401);
    assert.equal(google.body.error.status, 'UNAUTHENTICATED');
  });

  it('answers 402 budget_exceeded once the budget is spent (the crossing request is served)', async () => {
    const client = openai(VK_BUDGET);
    // Reserved from the estimate, then settled to $0.0000525: above the limit either way.
    await chat(client, 'openai/gpt-4o');
    await assert.rejects(chat(client, 'openai/gpt-4o'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 402);
      assert.equal((error.error as { type?: string }).type, 'budget_exceeded');
      assert.match((error.error as { message: string }).message, /^budget exceeded: \d+\.\d{4} >= 0\.0001 dollars/);
      return true;
    });
  });

  it('drops a fallback naming the model a bare name was routed to, and charges the budget once', async () => {
    const usageOf = async (): Promise<number> => {
      const answer = await fetch(`${gw.url}/api/governance/usage`, { headers: { authorization: `Basic ${btoa('ops:usage-reader-pw')}` } });
      return ((await answer.json()) as { budgets: { id: string; used: number }[] }).budgets.find((b) => b.id === 'routed')?.used ?? Number.NaN;
    };
    // "gpt-4o" goes to openai (the key's only provider config): "openai/gpt-4o" is the primary again.
    const body = { model: 'gpt-4o', fallbacks: ['openai/gpt-4o'], messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };
    const before = upstream.requests.length;
    upstream.enqueue({ status: 400 });
    const refused = await rawError('/v1/chat/completions', { authorization: `Bearer ${VK_ROUTED}` }, body);
    assert.equal(refused.status, 400, "the primary's error: the same model is not tried again as its own fallback");
    assert.equal(upstream.requests.length - before, 1);
    // A failure before any answer gives its reservation back.
    await waitFor(() => gw.logs.some((line) => line.virtual_key === 'vk-routed' && line.status === 400));

    const served = await rawError('/v1/chat/completions', { authorization: `Bearer ${VK_ROUTED}` }, body);
    assert.equal(served.status, 200);
    assert.equal(served.body.extra_fields.provider, 'openai');
    assert.equal(upstream.requests.length - before, 2);
    // Settled when the response closed, as its log line is written; the usage view sends what waits first.
    await waitFor(() => gw.logs.some((line) => line.virtual_key === 'vk-routed' && line.status === 200));
    // gpt-4o: one mock answer (5 prompt + 4 completion tokens) costs $0.0000525, charged once.
    const used = await usageOf();
    assert.ok(Math.abs(used - 0.0000525) < 1e-12, `budget used ${used}`);
  });

  it('shows usage, limits and reset times at GET /api/governance/usage, to the admin only, and denials in /metrics', async () => {
    const anonymous = await fetch(`${gw.url}/api/governance/usage`);
    assert.equal(anonymous.status, 401, 'who spends what is not for anyone who can reach the node');
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    const wrong = await fetch(`${gw.url}/api/governance/usage`, { headers: { authorization: `Basic ${btoa('ops:guess')}` } });
    assert.equal(wrong.status, 401);
    const answer = await fetch(`${gw.url}/api/governance/usage`, { headers: { authorization: `Basic ${btoa('ops:usage-reader-pw')}` } });
    assert.equal(answer.status, 200);
    const usage = (await answer.json()) as any;
    assert.equal(usage.store, 'up');
    const requests = usage.rate_limits.find((rl: { id: string }) => rl.id === 'two-per-year').counters[0];
    assert.equal(requests.used, 2);
    assert.equal(requests.limit, 2);
    assert.ok(Date.parse(requests.resets_at) > Date.now());
    assert.ok(!JSON.stringify(usage).includes('sk-bf-'), 'no key value in the usage view');
    assert.ok(!JSON.stringify(usage).includes('usage-reader-pw'));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /governance_denials_total\{reason="request_limited"\} [1-9]/);
    assert.match(metrics, /governance_limit\{scope_kind="rate_limit",scope_id="two-per-year",limit_kind="requests"\} 2/);
    assert.ok(!metrics.includes('sk-bf-'));
  });
});
