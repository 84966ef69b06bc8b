import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { createGate, MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { providerConfig } from '../../support/start-gateway.js';
import { startLoggedGateway, waitForRows, type LoggedGateway } from './logged-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'hi there' }];

describe('request log: one row per request from a node', function () {
  this.timeout(30_000);
  let server: PostgresServer;
  let upstream: MockUpstream;
  let node: LoggedGateway | undefined;

  before(async function () {
    this.timeout(60_000);
    server = await startPostgres();
  });

  beforeEach(async () => {
    upstream = await MockUpstream.start();
  });

  afterEach(async () => {
    await node?.close();
    node = undefined;
    await upstream.close();
  });

  after(async () => {
    await server?.destroy();
  });

  it('logs a JSON chat completion with its request id, tokens, key name and content', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const { response } = await node.gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, temperature: 0.5 })
      .withResponse();
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.request_id, response.headers.get('x-request-id'));
    assert.equal(row?.status, 'success');
    assert.equal(row?.http_status, 200);
    assert.equal(row?.provider, 'openai');
    assert.equal(row?.model, 'gpt-4o-mini');
    assert.equal(row?.route, '/v1/chat/completions');
    assert.equal(row?.node, 'test-node');
    assert.equal(row?.stream, false);
    assert.deepEqual([row?.prompt_tokens, row?.completion_tokens, row?.total_tokens], [5, 4, 9]);
    // gpt-4o-mini at the shipped list prices: 5 x $0.15 + 4 x $0.60 per million tokens.
    assert.ok(Math.abs(Number(row?.cost) - 3.15e-6) < 1e-12, `cost ${String(row?.cost)}`);
    assert.equal(row?.selected_key_name, 'test-key');
    assert.deepEqual(row?.input_history, MESSAGES);
    assert.deepEqual(row?.output_message, { role: 'assistant', content: 'hello from mock', refusal: null });
    assert.equal((row?.params as Record<string, unknown> | undefined)?.temperature, 0.5);
    assert.equal(row?.stop_reason, 'stop');
    assert.ok(!JSON.stringify(row).includes('sk-test-0123456789abcdef'), 'never the key value');
  });

  it('leaves the cost empty for a model the price table does not know, rather than a misleading $0', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    await node.gateway.openai().chat.completions.create({ model: 'openai/in-house-model-7', messages: MESSAGES });
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.total_tokens, 9);
    assert.equal(row?.cost, null);
  });

  it('keeps writing after a request whose model name is thousands of characters long', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const hostile = await fetch(`${node.gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'x'.repeat(6_000), max_tokens: 10, messages: MESSAGES }),
    });
    assert.equal(hostile.status, 400);
    await node.gateway.openai().chat.completions.create({ model: 'openai/after-hostile', messages: MESSAGES });
    // Before, the hostile row's index entry made PostgreSQL refuse its whole batch, again and again.
    const [row] = await waitForRows(node.db, 1, 'WHERE model = $1', ['after-hostile']);
    assert.equal(row?.status, 'success');
    const stored = await node.db.query<{ longest: number | null }>('SELECT max(length(model)) AS longest FROM request_logs');
    assert.ok((stored.rows[0]?.longest ?? 0) <= 512, 'no stored name longer than an index can take');
  });

  it('logs a streamed completion with its time to first token and the assembled answer', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const stream = await node.gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    for await (const _chunk of stream) void _chunk;
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.status, 'success');
    assert.equal(row?.stream, true);
    assert.equal(typeof row?.ttft_ms, 'number');
    assert.deepEqual(row?.output_message, { role: 'assistant', content: 'chunk-0 chunk-1 chunk-2 ' });
    assert.ok((row?.total_tokens as number) > 0);
  });

  it('logs a failed request with its status and error, the key redacted', async () => {
    upstream.enqueue({
      status: 401,
      errorBody: { error: { message: 'Incorrect API key provided: sk-test-0123456789abcdef', type: 'invalid_request_error', code: 'invalid_api_key' } },
    });
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    await assert.rejects(node.gateway.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES }));
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.status, 'error');
    assert.equal(row?.http_status, 401);
    assert.equal(typeof row?.error_type, 'string');
    assert.match(String(row?.error_message), /Incorrect API key provided/);
    assert.ok(!JSON.stringify(row).includes('sk-test-0123456789abcdef'));
  });

  it('logs the fallback that answered, with its index', async () => {
    const second = await MockUpstream.start();
    try {
      upstream.enqueue({ status: 500 });
      const config = providerConfig(upstream.url);
      (config.providers as Record<string, unknown>).groq = {
        keys: [{ name: 'groq-key', value: 'gsk-test-abcdef0123456789', models: ['*'] }],
        network_config: { base_url: second.url },
      };
      node = await startLoggedGateway(server, config);
      await node.gateway.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, fallbacks: ['groq/llama'] } as never);
      const [row] = await waitForRows(node.db, 1);
      assert.equal(row?.status, 'success');
      assert.equal(row?.provider, 'groq');
      assert.equal(row?.model, 'llama');
      assert.equal(row?.fallback_index, 1);
      assert.equal(row?.selected_key_name, 'groq-key');
    } finally {
      await second.close();
    }
  });

  it('logs a stream the client cancelled as cancelled', async () => {
    const gate = createGate();
    upstream.enqueue({ chunks: 5, gate: gate.promise });
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const controller = new AbortController();
    const stream = await node.gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await upstream.waitForAbort(0);
    gate.open();
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.cancelled, true);
    assert.equal(row?.status, 'error');
    assert.equal(row?.stream, true);
  });

  it('keeps content out of the row when client.disable_content_logging is set', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url, { client: { disable_content_logging: true } }));
    await node.gateway.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    const [row] = await waitForRows(node.db, 1);
    assert.deepEqual([row?.input_history, row?.output_message, row?.params, row?.tools, row?.tool_calls], [null, null, null, null, null]);
    assert.equal(row?.total_tokens, 9, 'metadata is still logged');
  });

  it('does not log probes, metrics scrapes or unknown paths', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    await fetch(`${node.gateway.url}/health`);
    await fetch(`${node.gateway.url}/metrics`);
    await fetch(`${node.gateway.url}/nowhere`);
    await node.gateway.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    await waitForRows(node.db, 1);
    await node.requestLog.flush(5000);
    const count = await node.db.query('SELECT count(*)::int AS n FROM request_logs');
    assert.equal(count.rows[0].n, 1);
  });

  it('logs an Anthropic Messages request with its messages and content blocks', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const client = new Anthropic({ baseURL: `${node.gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
    await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'bonjour' }] });
    const [row] = await waitForRows(node.db, 1);
    assert.equal(row?.route, '/anthropic/v1/messages');
    assert.deepEqual(row?.input_history, [{ role: 'user', content: 'bonjour' }]);
    assert.deepEqual(row?.output_message, { role: 'assistant', content: [{ type: 'text', text: 'hello from mock' }] });
    assert.equal(row?.stop_reason, 'end_turn');
    assert.equal((row?.params as Record<string, unknown> | undefined)?.max_tokens, 50);
  });

  it('assembles the answer of an Anthropic stream and of a GenAI stream', async () => {
    node = await startLoggedGateway(server, providerConfig(upstream.url));
    const client = new Anthropic({ baseURL: `${node.gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
    await client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'streamed' }] }).finalMessage();
    const response = await fetch(`${node.gateway.url}/genai/v1beta/models/openai%2Fgpt-4o-mini:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'gemini says' }] }] }),
    });
    await response.text();
    const rows = await waitForRows(node.db, 2);
    const byRoute = new Map(rows.map((row) => [String(row.route).split('/')[1], row]));
    assert.deepEqual(byRoute.get('anthropic')?.output_message, { role: 'assistant', content: 'chunk-0 chunk-1 chunk-2 ' });
    assert.deepEqual(byRoute.get('genai')?.output_message, { role: 'assistant', content: 'chunk-0 chunk-1 chunk-2 ' });
    assert.deepEqual(byRoute.get('genai')?.input_history, [{ role: 'user', parts: [{ text: 'gemini says' }] }]);
  });
});
