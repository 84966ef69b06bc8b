import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { GatewayError } from '../../../gateway/core/errors.js';
import { drainServer } from '../../../gateway/lifecycle/drain.js';
import type { OutcomeSink, RequestOutcome } from '../../../gateway/request/outcome.js';
import type { PreDispatchCheck, PreDispatchRequest } from '../../../gateway/request/pre-dispatch.js';
import type { RequestLog } from '../../../gateway/request-log/start-request-log.js';
import { createGate, MockUpstream } from '../../support/mock-upstream.js';
import { instantSleep, providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';
import { waitFor } from '../../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

/** A sink that keeps every outcome it is given. */
class CollectingSink implements OutcomeSink {
  readonly outcomes: RequestOutcome[] = [];
  record(outcome: RequestOutcome): void {
    this.outcomes.push(outcome);
  }
}

describe('request outcome', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;
  let sink: CollectingSink;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
    sink = new CollectingSink();
  });

  afterEach(async () => {
    await gateway?.close();
    await upstream.close();
  });

  async function start(preDispatchChecks: PreDispatchCheck[] = []): Promise<OpenAI> {
    gateway = await startGateway(providerConfig(upstream.url), { sleep: instantSleep, outcomeSinks: [sink], preDispatchChecks });
    return gateway.openai();
  }

  /** The one outcome emitted so far (waits for the response to close). */
  async function onlyOutcome(): Promise<RequestOutcome> {
    await waitFor(() => sink.outcomes.length > 0);
    // Give a second emission a chance to show up before asserting there is none.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sink.outcomes.length, 1, 'exactly one outcome per request');
    return sink.outcomes[0] as RequestOutcome;
  }

  it('emits one outcome for a JSON answer, with who answered, the key name and the tokens', async () => {
    const client = await start();
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    const outcome = await onlyOutcome();
    assert.equal(outcome.route, '/v1/chat/completions');
    assert.equal(outcome.method, 'POST');
    assert.equal(outcome.status, 200);
    assert.equal(outcome.inference, true);
    assert.equal(outcome.provider, 'openai');
    assert.equal(outcome.model, 'gpt-4o-mini');
    assert.equal(outcome.requestedProvider, 'openai');
    assert.equal(outcome.requestedModel, 'gpt-4o-mini');
    assert.equal(outcome.attempts, 1);
    assert.equal(outcome.fallbackIndex, 0);
    assert.equal(outcome.keyName, 'test-key');
    assert.equal(outcome.streamed, false);
    assert.equal(outcome.succeeded, true);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.inputTokens, 5);
    assert.equal(outcome.outputTokens, 4);
    assert.equal(outcome.firstChunkMs, undefined);
    assert.equal(outcome.finished, true);
    assert.equal(outcome.abortedBy, undefined);
    assert.ok(outcome.durationMs >= 0);
  });

  it('emits one outcome for a stream, with its usage and time to first chunk', async () => {
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    for await (const _chunk of stream) void _chunk;
    const outcome = await onlyOutcome();
    assert.equal(outcome.streamed, true);
    assert.equal(outcome.succeeded, true);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.inputTokens, 5);
    assert.equal(outcome.outputTokens, 3);
    assert.ok(outcome.firstChunkMs !== undefined && outcome.firstChunkMs >= 0 && outcome.firstChunkMs <= outcome.durationMs);
    assert.equal(outcome.error, undefined);
  });

  it('emits one outcome for a failed request, with the error code and the status the client got', async () => {
    upstream.setDefault({ status: 503 });
    const client = await start();
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    const outcome = await onlyOutcome();
    assert.equal(outcome.status, 502);
    assert.equal(outcome.succeeded, false);
    assert.equal(outcome.error?.code, 'upstream_error');
    assert.equal(outcome.error?.status, 503, 'the error keeps its own status');
    assert.equal(outcome.provider, 'openai');
  });

  it('emits one outcome for a stream the client abandoned, saying the client left', async () => {
    const gate = createGate();
    upstream.enqueue({ chunks: 3, gate: gate.promise });
    const client = await start();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    const outcome = await onlyOutcome();
    gate.open();
    assert.equal(outcome.streamed, true);
    assert.equal(outcome.abortedBy, 'client');
    assert.equal(outcome.finished, false);
    assert.equal(outcome.succeeded, false);
    assert.equal(outcome.error, undefined, 'a client leaving is not a failure');
  });

  it('emits one outcome for a request cut by the drain deadline, saying the node shut down', async () => {
    upstream.enqueue({ delayMs: 30_000 });
    const client = await start();
    const pending = client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    await upstream.waitForRequests(1);
    await drainServer({ server: gateway.server, lifecycle: gateway.deps.lifecycle, logger: gateway.deps.logger, timeoutMs: 50, graceMs: 200 });
    assert.ok((await pending) instanceof OpenAI.APIError);
    const outcome = await onlyOutcome();
    assert.equal(outcome.abortedBy, 'shutdown');
    assert.equal(outcome.error?.code, 'draining');
    assert.equal(outcome.status, 502);
    assert.equal(outcome.succeeded, false);
  });

  it('emits an outcome for a non-inference request too', async () => {
    await start();
    await (await fetch(`${gateway.url}/health`)).text();
    const outcome = await onlyOutcome();
    assert.equal(outcome.route, '/health');
    assert.equal(outcome.inference, false);
    assert.equal(outcome.provider, '');
  });

  it('lets a pre-dispatch check see the model and refuse the request before any upstream work', async () => {
    const seen: PreDispatchRequest[] = [];
    const refuse: PreDispatchCheck = {
      check: async (request) => {
        seen.push(request);
        throw new GatewayError('queue_full', 'budget exhausted');
      },
    };
    const client = await start([refuse]);
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(upstream.requests.length, 0);
    assert.equal(seen[0]?.route.model, 'openai/m');
    assert.equal(seen[0]?.state.requestedProvider, 'openai');
    const outcome = await onlyOutcome();
    assert.equal(outcome.error?.code, 'queue_full');
    assert.equal(outcome.status, 429);
  });

  describe('a model string longer than 256 characters', () => {
    const long = 'x'.repeat(100_000);
    const noCheck: PreDispatchCheck = { check: () => undefined };

    /** Sends `body` to `path`, expects parseModelRef's 400, and returns the one outcome. */
    async function refused(path: string, body: unknown): Promise<RequestOutcome> {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /characters long; at most 256 are accepted/);
      return onlyOutcome();
    }

    /** Neither the outcome (request log, metrics) nor the access-log line carries the model. */
    function assertModelNotNoted(outcome: RequestOutcome): void {
      assert.equal(outcome.model, '');
      assert.equal(outcome.requestedModel, '');
      const line = gateway.logs.find((entry) => entry.id === outcome.requestId);
      assert.ok(line, 'the access-log line');
      assert.equal(line.model, undefined);
      assert.ok(JSON.stringify(line).length < 2_000, 'a short line');
    }

    it('is refused on the Anthropic drop-in before anything notes it', async () => {
      await start();
      assertModelNotNoted(await refused('/anthropic/v1/messages', { model: long, max_tokens: 1, messages: MESSAGES }));
    });

    it('is refused on the GenAI drop-in (model in the URL) before anything notes it', async () => {
      await start();
      const outcome = await refused(`/genai/v1beta/models/${'y'.repeat(8_000)}:generateContent`, { contents: [{ parts: [{ text: 'x' }] }] });
      assert.equal(outcome.model, '');
      assert.equal(outcome.requestedModel, '');
    });

    it('is refused as a bare name when pre-dispatch checks route bare names, before anything notes it', async () => {
      await start([noCheck]);
      assertModelNotNoted(await refused('/v1/chat/completions', { model: long, messages: MESSAGES }));
    });
  });

  it('captures the content of a request whose bare model a pre-dispatch check routes, for the request log', async () => {
    const routeBareModels: PreDispatchCheck = {
      check: ({ route }) => {
        route.model = `openai/${route.model}`;
      },
    };
    // A request log that keeps content: requests capture it, and the outcome carries it to the log's sink.
    const requestLog = { capturesContent: true, record: () => undefined } as unknown as RequestLog;
    gateway = await startGateway(providerConfig(upstream.url), { sleep: instantSleep, outcomeSinks: [sink], preDispatchChecks: [routeBareModels], requestLog });
    await gateway.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, temperature: 0.5 });
    const outcome = await onlyOutcome();
    assert.equal(outcome.provider, 'openai');
    assert.deepEqual(outcome.content?.input, MESSAGES);
    assert.deepEqual(outcome.content?.params, { temperature: 0.5 });
  });

  it('keeps serving when a sink throws', async () => {
    gateway = await startGateway(providerConfig(upstream.url), {
      sleep: instantSleep,
      outcomeSinks: [
        {
          record: () => {
            throw new Error('sink broke');
          },
        },
        sink,
      ],
    });
    await gateway.openai().chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    await onlyOutcome();
    assert.ok(gateway.logs.some((line) => line.msg === 'outcome sink failed'));
  });
});
