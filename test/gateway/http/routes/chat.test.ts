import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { chatCompletion, createGate, MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { waitFor } from '../../../support/wait-for.js';

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

describe('POST /v1/chat/completions', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
  });

  afterEach(async () => {
    await gateway?.close();
    await upstream.close();
  });

  async function start(config: object = providerConfig(upstream.url)): Promise<OpenAI> {
    gateway = await startGateway(config, { sleep: instantSleep });
    return gateway.openai();
  }

  it('answers the openai client with the upstream completion plus extra_fields', async () => {
    const client = await start();
    const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    const extra = (completion as unknown as { extra_fields: Record<string, unknown> }).extra_fields;
    assert.equal(extra.provider, 'openai');
    assert.equal(extra.model_requested, 'gpt-4o-mini');
    assert.equal(typeof extra.latency, 'number');
  });

  it("sends the provider's answer back as it came, byte for byte, with extra_fields appended", async () => {
    // Formatting, escapes and number spellings a parse and re-serialisation would change.
    const answer = `{
  "id": "chatcmpl-raw",
  "object": "chat.completion",
  "created": 1.7e9,
  "model": "gpt-4o-mini",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "caf\\u00e9 \\/ 1.50"}, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 3, "completion_tokens": 2.0, "total_tokens": 5}
}
`;
    upstream.enqueue({ rawBody: answer });
    await start();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: MESSAGES }),
    });
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const text = await response.text();
    const extra = (JSON.parse(text) as { extra_fields: Record<string, unknown> }).extra_fields;
    assert.deepEqual(Object.keys(extra), ['provider', 'model_requested', 'latency']);
    assert.equal(text, `${answer.slice(0, answer.lastIndexOf('}'))},"extra_fields":${JSON.stringify(extra)}}`);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /bifrost_output_tokens_total\{[^}]*\} 2\b/, 'the usage was read from the answer');
  });

  it("merges extra_fields the provider's answer already has", async () => {
    upstream.enqueue({ body: { ...chatCompletion('gpt-4o-mini', 'hi'), extra_fields: { cache_debug: { hit: true } } } });
    const client = await start();
    const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES });
    const extra = (completion as unknown as { extra_fields: Record<string, unknown> }).extra_fields;
    assert.deepEqual(extra.cache_debug, { hit: true });
    assert.equal(extra.provider, 'openai');
  });

  it('sends the model without its provider prefix, with the key as Bearer, and strips fallbacks', async () => {
    const client = await start();
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, fallbacks: [] } as never);
    const [request] = upstream.requests;
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.body?.model, 'gpt-4o-mini');
    assert.equal(request?.headers.authorization, 'Bearer sk-test-0123456789abcdef');
    assert.equal('fallbacks' in (request?.body ?? {}), false);
  });

  it('splits provider/model at the first slash', async () => {
    const client = await start(providerConfig(upstream.url, { provider: 'openrouter' }));
    await client.chat.completions.create({ model: 'openrouter/anthropic/claude-3.5-sonnet', messages: MESSAGES });
    assert.equal(upstream.requests[0]?.body?.model, 'anthropic/claude-3.5-sonnet');
  });

  it('streams chunks to the openai client, ending with [DONE]', async () => {
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: MESSAGES, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
  });

  it("streams the provider's chunks as it sent them, and chunks spread over several data lines as one line", async () => {
    const verbatim =
      '{"id": "c1", "object": "chat.completion.chunk", "created": 1.0, "model": "m", "choices": [{"index": 0, "delta": {"content": "caf\\u00e9"}, "finish_reason": null}]}';
    const split = ['{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",', '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'];
    upstream.enqueue({ rawEvents: [`data: ${verbatim}\n\n`, `data: ${split[0]}\ndata: ${split[1]}\n\n`, 'data: [DONE]\n\n'] });
    await start();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: MESSAGES, stream: true }),
    });
    assert.equal(await response.text(), `data: ${verbatim}\n\ndata: ${JSON.stringify(JSON.parse(split.join('\n')))}\n\ndata: [DONE]\n\n`);
  });

  it('sends stream headers that stop proxies from buffering', async () => {
    await start();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES, stream: true }),
    });
    assert.equal(response.headers.get('x-accel-buffering'), 'no');
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text();
    assert.ok(text.trimEnd().endsWith('data: [DONE]'));
  });

  it('delivers the first chunk before the upstream finished the stream', async () => {
    const gate = createGate();
    upstream.enqueue({ chunks: 3, gate: gate.promise });
    const client = await start();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // role chunk
    const first = await iterator.next();
    assert.equal(first.value?.choices[0]?.delta.content, 'chunk-0 ');
    assert.equal(upstream.requests[0]?.completed, false, 'the upstream is still streaming');
    gate.open();
    let rest = '';
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest += next.value.choices[0]?.delta.content ?? '';
    assert.equal(rest, 'chunk-1 chunk-2 ');
  });

  it('shows a stream as begun (status and headers) while the provider is still slow to its first event', async () => {
    const gate = createGate();
    upstream.enqueue({ holdFirstEvent: gate.promise });
    await start();
    // Resolves on the response's headers: were they held for the first event, this would wait forever.
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES, stream: true }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(upstream.requests[0]?.completed, false, 'no event has been sent yet');
    gate.open();
    const text = await response.text();
    assert.match(text, /chunk-0 [\s\S]*data: \[DONE\]/);
  });

  it('retries a 429 and answers with the retry', async () => {
    upstream.enqueue({ status: 429 });
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 2 } } }));
    const completion = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    assert.equal(upstream.requests.length, 2);
  });

  it('gives up after max_retries with the upstream status and message', async () => {
    upstream.setDefault({ status: 500 });
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 2 } } }));
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 500);
    assert.match(error.message, /mock failure 500/);
    assert.equal(upstream.requests.length, 3);
  });

  it('does not retry a 400 from the upstream', async () => {
    upstream.setDefault({ status: 400 });
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 3 } } }));
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(upstream.requests.length, 1);
  });

  it('retries a dropped connection', async () => {
    upstream.enqueue({ drop: 'before-response' });
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 1 } } }));
    const completion = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
  });

  it('gives up on a slow upstream after default_request_timeout_in_seconds with 504', async () => {
    upstream.enqueue({ delayMs: 3000 });
    const client = await start(
      providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, default_request_timeout_in_seconds: 0.2 } } }),
    );
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 504);
  });

  it('gives up with 504 on a provider that trickles its answer, each byte within the timeout but the whole beyond it', async () => {
    // A space every 100 ms for 6 s: undici's gap between chunks (the timeout) is never reached.
    upstream.enqueue({ trickle: { everyMs: 100, pieces: 60 } });
    const client = await start(
      providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, default_request_timeout_in_seconds: 0.5 } } }),
    );
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    assert.equal(error.status, 504);
    assert.equal((error.error as { code?: string }).code, 'upstream_timeout');
    assert.match(error.message, /openai did not answer in full within 0.5 s/);
    // The transfer was stopped, not left to run to its end.
    await upstream.waitForAbort(0);
  });

  it('retries an attempt that ran out of time like any timeout', async () => {
    upstream.enqueue({ trickle: { everyMs: 100, pieces: 60 } }, {});
    const client = await start(
      providerConfig(upstream.url, {
        entry: { network_config: { base_url: upstream.url, default_request_timeout_in_seconds: 0.5, max_retries: 1 } },
      }),
    );
    const completion = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    assert.equal(completion.choices[0]?.message.content, 'hello from mock');
    assert.equal(upstream.requests.length, 2);
  });

  it('does not cut a stream that lasts longer than the timeout while its chunks keep coming', async () => {
    // 12 chunks 100 ms apart: 1.2 s in all against a 0.5 s timeout between chunks.
    upstream.enqueue({ chunks: 12, chunkDelayMs: 100 });
    const client = await start(
      providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, default_request_timeout_in_seconds: 0.5 } } }),
    );
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, Array.from({ length: 12 }, (_, i) => `chunk-${i} `).join(''));
  });

  it('refuses a stream answered 200 with a JSON error: 502 with the provider message, not an empty stream', async () => {
    upstream.enqueue({
      answerStreamWith: { contentType: 'application/json', body: '{"error":{"message":"quota exceeded","type":"insufficient_quota"}}' },
    });
    const client = await start();
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    assert.equal(error.status, 502);
    assert.equal((error.error as { code?: string }).code, 'upstream_bad_response');
    assert.match(error.message, /openai answered a stream request with application\/json, not text\/event-stream: quota exceeded/);
  });

  it('retries a stream answered 200 with an HTML page', async () => {
    upstream.enqueue({ answerStreamWith: { contentType: 'text/html; charset=utf-8', body: '<html>maintenance</html>' } }, {});
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, max_retries: 1 } } }));
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
    assert.equal(upstream.requests.length, 2);
  });

  it('falls back when a stream is answered with a whole JSON completion (stream: true ignored)', async () => {
    upstream.enqueue({ answerStreamWith: { contentType: 'application/json', body: JSON.stringify(chatCompletion('m', 'not a stream')) } }, {});
    const client = await start();
    const stream = await client.chat.completions.create({
      model: 'openai/m',
      messages: MESSAGES,
      stream: true,
      fallbacks: ['openai/other'],
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
    assert.equal(upstream.requests[1]?.body?.model, 'other');
  });

  it('reads a stream sent without a Content-Type as the stream asked for', async () => {
    const events = ['{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"bare"},"finish_reason":"stop"}]}', '[DONE]'];
    upstream.enqueue({ answerStreamWith: { contentType: null, body: events.map((data) => `data: ${data}\n\n`).join('') } });
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'bare');
  });

  it('answers an upstream 503 as 502 so that the load balancer does not re-send done work', async () => {
    upstream.setDefault({ status: 503 });
    const client = await start();
    const error = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 502);
  });

  it('tells the client when the upstream drops the connection mid-stream', async () => {
    upstream.enqueue({ drop: 'mid-stream' });
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    assert.equal(text, 'chunk-0 ');
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    assert.match(error.message, /could not reach openai/);
  });

  it('tells the client when the upstream ends a stream short, without a finish_reason or [DONE]', async () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] };
    upstream.enqueue({ rawEvents: [`data: ${JSON.stringify(chunk)}\n\n`] });
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    let text = '';
    const error = await (async () => {
      for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    assert.equal(text, 'Hel');
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    assert.match(error.message, /openai ended the stream before it finished/);
  });

  it('passes an upstream error event mid-stream on to the client', async () => {
    upstream.enqueue({ errorAfterChunks: 1 });
    const client = await start();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true });
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.match(error.message, /mock stream failure/);
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    upstream.enqueue({ chunks: 3, gate: new Promise(() => undefined) });
    const client = await start();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    controller.abort();
    await upstream.waitForAbort(0);
    assert.equal(upstream.requests[0]?.completed, false);
    await waitFor(() => gateway.deps.lifecycle.inFlight === 0);
    assert.equal(gateway.deps.dispatcher.limiterOf('openai')?.inFlight, 0, 'the concurrency slot is given back');
  });

  it('aborts the upstream request when the client goes away before the answer', async () => {
    upstream.enqueue({ delayMs: 5000 });
    const client = await start();
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'openai/m', messages: MESSAGES }, { signal: controller.signal }).catch(() => undefined);
    await upstream.waitForRequests(1);
    controller.abort();
    await pending;
    await upstream.waitForAbort(0);
    // The request still gets its access-log line, marked as abandoned by the client.
    await waitFor(() => gateway.logs.some((line) => line.path === '/v1/chat/completions'));
    const line = gateway.logs.find((entry) => entry.path === '/v1/chat/completions') as Record<string, unknown>;
    assert.equal(line.client_gone, true);
    assert.equal(line.provider, 'openai');
  });

  it('uses x-request-id from the client, and generates one otherwise', async () => {
    await start();
    const given = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }),
    });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    assert.equal(given.headers.get('x-gateway-node'), 'test-node');
    const generated = await fetch(`${gateway.url}/health`);
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('forwards x-bf-eh-<name> headers upstream as <name>, but never credentials', async () => {
    const client = await start();
    await client.chat.completions.create(
      { model: 'openai/m', messages: MESSAGES },
      { headers: { 'x-bf-eh-x-trace': 'trace-1', 'x-bf-eh-authorization': 'Bearer stolen' } },
    );
    const headers = upstream.requests[0]?.headers ?? {};
    assert.equal(headers['x-trace'], 'trace-1');
    assert.equal(headers.authorization, 'Bearer sk-test-0123456789abcdef');
  });

  it("never lets x-bf-eh-* replace the operator's extra headers or set hop-by-hop headers", async () => {
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, extra_headers: { 'X-Team': 'search' } } } }));
    const answer = await client.chat.completions.create(
      { model: 'openai/m', messages: MESSAGES },
      {
        headers: {
          'x-bf-eh-x-team': 'spoofed',
          'x-bf-eh-expect': '100-continue',
          'x-bf-eh-transfer-encoding': 'chunked',
          'x-bf-eh-Authorization': 'Bearer stolen',
        },
      },
    );
    assert.ok(answer.choices[0]);
    const headers = upstream.requests[0]?.headers ?? {};
    assert.equal(headers['x-team'], 'search');
    assert.equal(headers.expect, undefined);
    assert.equal(headers.authorization, 'Bearer sk-test-0123456789abcdef');
  });

  it('refuses more than 10 fallbacks with 400 before any upstream call, and tries a repeated fallback once', async () => {
    const client = await start();
    const many = Array.from({ length: 11 }, (_, i) => `openai/f${i}`);
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/m', messages: MESSAGES, fallbacks: many } as never),
      (error: { status?: number; message?: string }) => {
        assert.equal(error.status, 400);
        assert.match(error.message ?? '', /at most 10/);
        return true;
      },
    );
    assert.equal(upstream.requests.length, 0);
    upstream.enqueue({ status: 400 }, { status: 400 }, { status: 400 });
    await client.chat.completions
      .create({ model: 'openai/m', messages: MESSAGES, fallbacks: ['openai/m', 'openai/b', 'openai/b', 'openai/b'] } as never)
      .catch(() => undefined);
    assert.deepEqual(
      upstream.requests.map((request) => (request.body as { model: string }).model),
      ['m', 'b'],
    );
  });

  it('adds network_config.extra_headers upstream', async () => {
    const client = await start(providerConfig(upstream.url, { entry: { network_config: { base_url: upstream.url, extra_headers: { 'x-team': 'search' } } } }));
    await client.chat.completions.create({ model: 'openai/m', messages: MESSAGES });
    assert.equal(upstream.requests[0]?.headers['x-team'], 'search');
  });

  it('writes one log line per request with id, provider, model, status and latency, and no secret or body', async () => {
    const client = await start();
    await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt text' }] });
    const lines = gateway.logs.filter((line) => line.path === '/v1/chat/completions');
    assert.equal(lines.length, 1);
    const line = lines[0] as Record<string, unknown>;
    assert.equal(line.provider, 'openai');
    assert.equal(line.model, 'gpt-4o-mini');
    assert.equal(line.status, 200);
    assert.equal(typeof line.id, 'string');
    assert.equal(typeof line.latency_ms, 'number');
    const all = JSON.stringify(gateway.logs);
    assert.ok(!all.includes('sk-test-0123456789abcdef'));
    assert.ok(!all.includes('secret prompt text'));
  });
});
