import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import OpenAI from 'openai';
import { createGate, MockUpstream } from '../support/mock-upstream.js';
import { getFresh, spawnGateway, startGatewayProcess } from '../support/spawn-gateway.js';
import { providerConfig } from '../support/start-gateway.js';
import { waitFor } from '../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

function clientFor(url: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
}

async function waitForHealthStatus(url: string, status: number): Promise<{ status: number; body: string }> {
  for (;;) {
    const response = await getFresh(`${url}/health`);
    if (response.status === status) return response;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP server that accepts connections and never answers: a database that hangs. */
async function startSilentServer(): Promise<{ port: number; connected: Promise<void>; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  const connected = once(server, 'connection').then(() => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = (): void => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  return { port: (server.address() as AddressInfo).port, connected, close };
}

describe('gateway main (child process)', function () {
  this.timeout(30_000);
  let upstream: MockUpstream;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
  });

  afterEach(async () => {
    await upstream.close();
  });

  it('on SIGTERM lets a slow stream finish, answers 503 meanwhile, then exits 0', async () => {
    const node = await spawnGateway(providerConfig(upstream.url), { env: { SHUTDOWN_TIMEOUT_MS: '20000' } });
    const gate = createGate();
    upstream.enqueue({ chunks: 4, chunkDelayMs: 50, gate: gate.promise });
    const stream = await clientFor(node.url).chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();

    node.child.kill('SIGTERM');
    const health = await waitForHealthStatus(node.url, 503);
    const body = JSON.parse(health.body) as { status: string; in_flight: number };
    assert.equal(body.status, 'draining');
    assert.equal(body.in_flight, 1);
    const refused = await fetch(`${node.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }) });
    assert.equal(refused.status, 503);

    gate.open();
    let text = '';
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 chunk-3 ');
    assert.equal(await node.exited, 0);
    assert.equal(upstream.requests.length, 1, 'the refused request did no upstream work');
  });

  it('as PID 1 (a container without an init), stops at once on a SIGTERM that comes while it starts', async () => {
    // A rate limit needs the governance store, and the node connects to it before it listens:
    // a store that never answers holds the start-up there, past the loading of every module.
    const store = await startSilentServer();
    const config = {
      ...providerConfig(upstream.url),
      governance: {
        virtual_keys: [{ id: 'vk', value: 'sk-bf-pid-one-0001', rate_limit_id: 'rl' }],
        rate_limits: [{ id: 'rl', request_max_limit: 5, request_reset_duration: '1m' }],
      },
    };
    const started = startGatewayProcess(config, {
      asPidOne: true,
      env: { GOVERNANCE_DATABASE_URL: `postgres://gateway@127.0.0.1:${store.port}/gateway`, GOVERNANCE_STORE_TIMEOUT_MS: '3000' },
    });
    try {
      await store.connected;
      started.gateway.signal('SIGTERM');
      const outcome = await Promise.race([
        started.gateway.exited.then((code) => `exited with ${String(code)}`),
        started.listening.then(
          () => 'ignored SIGTERM and went on to listen',
          () => 'never listened',
        ),
      ]);
      assert.equal(outcome, 'exited with 143');
      assert.match(started.gateway.stderr(), /SIGTERM while starting/);
    } finally {
      started.gateway.child.kill('SIGKILL');
      store.close();
    }
  });

  it('ignores SIGHUP, saying so in its log, and keeps serving a stream in flight', async () => {
    const node = await spawnGateway(providerConfig(upstream.url));
    const gate = createGate();
    upstream.enqueue({ chunks: 3, gate: gate.promise });
    const stream = await clientFor(node.url).chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();

    node.child.kill('SIGHUP');
    await waitFor(() => node.logs.some((line) => line.event === 'signal-ignored'), 10_000);
    gate.open();
    let text = '';
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
    assert.equal((await getFresh(`${node.url}/health`)).status, 200);
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
  });

  it('at SHUTDOWN_TIMEOUT_MS ends a stream still open with an error event, then exits 0', async () => {
    const node = await spawnGateway(providerConfig(upstream.url), { env: { SHUTDOWN_TIMEOUT_MS: '300' } });
    upstream.enqueue({ chunks: 2, gate: new Promise(() => undefined) });
    const stream = await clientFor(node.url).chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    node.child.kill('SIGTERM');
    const error = await (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next());
    })().catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    assert.match(error.message, /shut down/);
    assert.equal(await node.exited, 0);
    await upstream.waitForAbort(0);
  });

  it('exits non-zero before listening on an invalid config, printing every issue', async () => {
    const started = startGatewayProcess({
      providers: { nope: { keys: [] }, openai: { keys: [{ value: 'x', weight: -1 }] } },
      config_store: { enabled: true },
    });
    await assert.rejects(started.listening, /before listening/);
    assert.notEqual(await started.gateway.exited, 0);
    const stderr = started.gateway.stderr();
    assert.match(stderr, /unknown provider "nope"/);
    assert.match(stderr, /providers\.openai\.keys\[0\]\.weight/);
    assert.match(stderr, /config_store/);
  });

  it('refuses a key named like an object property, or nesting thousands of levels deep, with a clear error (exit 1, not a crash)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"providers":{"openai":{"keys":[{"name":"a","value":"env.X","toString":"x"}]}}}', /providers\.openai\.keys\[0\]\.toString: is not allowed/],
      [`{"providers":{},"x":${'['.repeat(6000)}${']'.repeat(6000)}}`, /nest more than 64 levels deep/],
    ];
    for (const [text, message] of cases) {
      const started = startGatewayProcess(text);
      await assert.rejects(started.listening);
      assert.equal(await started.gateway.exited, 1);
      const stderr = started.gateway.stderr();
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /TypeError|RangeError|at .*\.ts:\d+/, 'a config error, not a stack trace');
    }
  });

  it('reports malformed JSON with its line and column', async () => {
    const started = startGatewayProcess('{\n  "providers": {\n    "openai": { "keys": [ }\n  }\n}\n');
    await assert.rejects(started.listening);
    assert.equal(await started.gateway.exited, 1);
    assert.match(started.gateway.stderr(), /line 3, column \d+/);
  });

  it('starts with an unset env secret, naming the variable (never a value), and warns about unsupported settings once', async () => {
    const config = {
      providers: { openai: { keys: [{ name: 'main', value: 'env.GATEWAY_TEST_UNSET_KEY', models: ['*'] }], network_config: { base_url: upstream.url } } },
      governance: { budgets: [] },
      plugins: [{ name: 'telemetry', enabled: true }],
    };
    const node = await spawnGateway(config, { env: { SHUTDOWN_TIMEOUT_MS: '1000' } });
    const missing = node.logs.filter((line) => line.event === 'config-env-missing');
    assert.equal(missing.length, 1);
    assert.equal(missing[0]?.variable, 'GATEWAY_TEST_UNSET_KEY');
    const unsupported = node.logs.filter((line) => line.event === 'config-unsupported');
    assert.equal(unsupported.length, 1);
    assert.deepEqual(unsupported[0]?.settings, ['plugins[0] (telemetry)']);
    const error = await clientFor(node.url)
      .chat.completions.create({ model: 'openai/m', messages: MESSAGES })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.match(error.message, /GATEWAY_TEST_UNSET_KEY/);
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
  });

  it("writes a request's access-log line while it keeps running, and what is still buffered when it exits", async () => {
    const node = await spawnGateway(providerConfig(upstream.url), { env: { SHUTDOWN_TIMEOUT_MS: '1000' } });
    try {
      const { response } = await clientFor(node.url).chat.completions.create({ model: 'openai/m', messages: MESSAGES }).withResponse();
      const requestId = response.headers.get('x-request-id');
      // One short line is far below the write batch: only the periodic flush can bring it out.
      await waitFor(() => node.logs.some((line) => line.id === requestId && line.status === 200 && line.path === '/v1/chat/completions'), 5000);
    } finally {
      node.child.kill('SIGTERM');
    }
    assert.equal(await node.exited, 0);
    await waitFor(() => node.logs.some((line) => line.event === 'signal'), 5000);
  });
});
