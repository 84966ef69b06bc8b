import assert from 'node:assert/strict';
import { loadConfigBytes } from '../../../shared/config/index.js';
import { Dispatcher, type RequestContext } from '../../../gateway/core/dispatcher.js';
import { GatewayError } from '../../../gateway/core/errors.js';
import { Writable } from 'node:stream';
import { createLogger, createSilentLogger } from '../../../shared/logger.js';
import { GatewayMetrics } from '../../../gateway/observability/metrics.js';
import type { UpstreamTarget } from '../../../gateway/providers/types.js';
import { seededRandom } from '../../support/seeded-random.js';
import { Cancellation } from '../../../gateway/core/cancellation.js';

const KEY = { name: 'k', value: 'sk-dispatcher-test-000', models: ['*'] };

function createDispatcher(retries = 2): { dispatcher: Dispatcher; waits: number[]; metrics: GatewayMetrics } {
  const { config } = loadConfigBytes(
    JSON.stringify({
      providers: {
        openai: {
          keys: [KEY],
          network_config: { max_retries: retries, retry_backoff_initial: 100, retry_backoff_max: 250 },
          concurrency_and_buffer_size: { concurrency: 1, buffer_size: 1 },
        },
        groq: { keys: [KEY] },
        mistral: { keys: [KEY] },
      },
    }),
    {},
  );
  const waits: number[] = [];
  const metrics = new GatewayMetrics();
  const dispatcher = new Dispatcher(config, {
    metrics,
    logger: createSilentLogger(),
    random: seededRandom(5),
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { dispatcher, waits, metrics };
}

function context(): RequestContext {
  return { requestId: 'r1', signal: new Cancellation(), forwardHeaders: {} };
}

const failure = (status: number, message = `failed ${status}`): GatewayError =>
  new GatewayError('upstream_error', message, { status, fromProvider: true, retryable: [429, 500, 502, 503, 504].includes(status) });

describe('Dispatcher', () => {
  it('does not count a request the adapter refused to translate as an upstream attempt', async () => {
    const { dispatcher, metrics } = createDispatcher(0);
    await assert.rejects(
      dispatcher.run({ model: 'openai/a', capability: 'chat' }, context(), async () => {
        throw new GatewayError('invalid_request', 'n must be 1', { param: 'n' });
      }),
      /n must be 1/,
    );
    await dispatcher.run({ model: 'openai/a', capability: 'chat' }, context(), async () => undefined);
    const text = await metrics.render();
    assert.match(text, /bifrost_upstream_requests_total\{provider="openai",model="a",status="200"\} 1/);
    assert.doesNotMatch(text, /bifrost_upstream_requests_total\{[^}]*status="400"/);
  });

  it('retries a retryable failure up to max_retries with growing, capped waits', async () => {
    const { dispatcher, waits } = createDispatcher(3);
    let calls = 0;
    await assert.rejects(
      dispatcher.run({ model: 'openai/m', capability: 'chat' }, context(), async () => {
        calls++;
        throw failure(503);
      }),
      /failed 503/,
    );
    assert.equal(calls, 4);
    assert.equal(waits.length, 3);
    assert.ok(waits[0]! >= 80 && waits[0]! <= 120);
    assert.ok(waits[1]! >= 160 && waits[1]! <= 240);
    assert.ok(waits[2]! >= 200 && waits[2]! <= 300, 'capped at retry_backoff_max before jitter');
  });

  it('tries fallbacks in order after the primary, and reports which one answered', async () => {
    const { dispatcher } = createDispatcher(0);
    const seen: string[] = [];
    const result = await dispatcher.run(
      { model: 'openai/a', fallbacks: ['groq/b', 'mistral/c'], capability: 'chat' },
      context(),
      async (_adapter, target: UpstreamTarget) => {
        seen.push(`${target.provider.name}/${target.model}`);
        if (target.provider.name !== 'mistral') throw failure(500);
        return 'ok';
      },
    );
    assert.deepEqual(seen, ['openai/a', 'groq/b', 'mistral/c']);
    assert.equal(result.value, 'ok');
    assert.equal(result.provider, 'mistral');
    assert.equal(result.fallbackIndex, 2);
  });

  it("throws the primary's error when all fail", async () => {
    const { dispatcher } = createDispatcher(0);
    await assert.rejects(
      dispatcher.run({ model: 'openai/a', fallbacks: ['groq/b'], capability: 'chat' }, context(), async (_adapter, target) => {
        throw failure(target.provider.name === 'openai' ? 429 : 500, `${target.provider.name} failed`);
      }),
      /openai failed/,
    );
  });

  it('does not retry or fall back once the client is gone', async () => {
    const { dispatcher } = createDispatcher(3);
    const controller = new Cancellation();
    let calls = 0;
    await assert.rejects(
      dispatcher.run({ model: 'openai/a', fallbacks: ['groq/b'], capability: 'chat' }, { ...context(), signal: controller }, async () => {
        calls++;
        controller.abort(new Error('client left'));
        throw failure(500);
      }),
    );
    assert.equal(calls, 1);
  });

  it('holds the concurrency slot of a stream until release(), and frees it at once otherwise', async () => {
    const { dispatcher } = createDispatcher(0);
    const limiter = dispatcher.limiterOf('openai');
    await dispatcher.run({ model: 'openai/a', capability: 'chat' }, context(), async () => 'json');
    assert.equal(limiter?.inFlight, 0);
    const stream = await dispatcher.run({ model: 'openai/a', capability: 'chat', stream: true }, context(), async () => 'stream');
    assert.equal(limiter?.inFlight, 1);
    stream.release();
    assert.equal(limiter?.inFlight, 0);
  });

  it('gives the slot back when every attempt failed', async () => {
    const { dispatcher } = createDispatcher(1);
    await assert.rejects(dispatcher.run({ model: 'openai/a', capability: 'chat', stream: true }, context(), async () => Promise.reject(failure(500))));
    assert.equal(dispatcher.limiterOf('openai')?.inFlight, 0);
  });

  it('fills the target from the config: base URL default, key, model and timeout', async () => {
    const { dispatcher } = createDispatcher(0);
    await dispatcher.run(
      { model: 'groq/llama-3.3-70b', capability: 'chat' },
      { ...context(), forwardHeaders: { 'x-trace': 't' } },
      async (_adapter, target) => {
        assert.equal(target.baseUrl, 'https://api.groq.com/openai');
        assert.equal(target.key?.name, 'k');
        assert.equal(target.model, 'llama-3.3-70b');
        assert.equal(target.timeoutMs, 30_000);
        assert.equal(target.clientHeaders['x-trace'], 't');
        return undefined;
      },
    );
  });

  it('answers a provider bug as internal and logs it with its stack', async () => {
    const lines: Record<string, any>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        callback();
      },
    });
    const { config } = loadConfigBytes(JSON.stringify({ providers: { openai: { keys: [KEY] } } }), {});
    const dispatcher = new Dispatcher(config, {
      metrics: new GatewayMetrics(),
      logger: createLogger({ level: 'info', destination }),
      sleep: async () => undefined,
    });
    await assert.rejects(
      dispatcher.run({ model: 'openai/m', capability: 'chat' }, context(), async () => {
        throw new TypeError('adapter bug');
      }),
      (error: unknown) => error instanceof GatewayError && error.code === 'internal',
    );
    const logged = lines.find((line) => line.msg === 'provider failed unexpectedly');
    assert.equal(logged?.err?.message, 'adapter bug');
    assert.match(String(logged?.err?.stack), /TypeError: adapter bug/);
  });
});
