import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { listenOnLoopback } from '../../../support/loopback-server.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, providerConfig, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

/** Valid JSON that is not a chat completion the drop-ins can translate. */
const UNREADABLE_FOR_DROP_INS: { name: string; body: string; problem: RegExp }[] = [
  { name: 'null', body: 'null', problem: /openai returned JSON that is not an object/ },
  { name: 'an array', body: '[]', problem: /openai returned JSON that is not an object/ },
  { name: 'an object without choices', body: '{"object":"chat.completion"}', problem: /no choices array/ },
  { name: 'a choice without a message', body: '{"id":"a","choices":[{"index":0}]}', problem: /a choice without a message object/ },
  {
    name: 'a tool call without a function',
    body: '{"id":"a","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function"}]}}]}',
    problem: /tool_calls that are not function calls/,
  },
];

describe('answers of the wrong shape from a provider (valid JSON, not what the node reads)', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway(providerConfig(upstream.url), { sleep: instantSleep });
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  /** No error-level line: the node did not take the provider's answer for a bug of its own. */
  function assertNoNodeBugLogged(): void {
    const errors = gateway.logs.filter((line) => (line.level as number) >= 50);
    assert.deepEqual(errors, []);
  }

  for (const { name, body, problem } of UNREADABLE_FOR_DROP_INS) {
    it(`answers ${name} with 502 upstream_bad_response on the Anthropic and GenAI drop-ins`, async () => {
      upstream.setDefault({ rawBody: body });
      const anthropic = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0 });
      await assert.rejects(anthropic.messages.create({ model: 'openai/m', max_tokens: 5, messages: MESSAGES }), (error: unknown) => {
        assert.ok(error instanceof Anthropic.APIError, String(error));
        assert.equal(error.status, 502);
        assert.match(error.message, problem);
        return true;
      });
      const genai = await fetch(`${gateway.url}/genai/v1beta/models/openai/m:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
      });
      assert.equal(genai.status, 502);
      assert.match(((await genai.json()) as { error: { message: string } }).error.message, problem);
      assertNoNodeBugLogged();
    });
  }

  it('answers null with 502 upstream_bad_response on the OpenAI route', async () => {
    upstream.setDefault({ rawBody: 'null' });
    const error = await gateway
      .openai()
      .chat.completions.create({ model: 'openai/m', messages: MESSAGES })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 502);
    assert.equal((error.error as { code?: string }).code, 'upstream_bad_response');
    assertNoNodeBugLogged();
  });

  it('passes an object the OpenAI route has nothing to read from on as the provider sent it', async () => {
    // The route reads only `usage` (optional) and appends extra_fields: the answer is the provider's to shape.
    upstream.setDefault({ rawBody: '{"object":"chat.completion"}' });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys((await response.json()) as object), ['object', 'extra_fields']);
  });

  it('falls back when the primary answers a drop-in with a shape it cannot translate', async () => {
    upstream.enqueue({ rawBody: '{"object":"chat.completion"}' }, {});
    const anthropic = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0 });
    const params = { model: 'openai/m', max_tokens: 5, messages: MESSAGES, fallbacks: ['openai/other'] };
    const message = await anthropic.messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    assert.equal(message.content[0]?.type === 'text' ? message.content[0].text : '', 'hello from mock');
    assert.equal(upstream.requests[1]?.body?.model, 'other');
  });

  it('gives a translated answer without an id the request id as its message id', async () => {
    upstream.setDefault({ rawBody: '{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}' });
    const response = await fetch(`${gateway.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-without-id' },
      body: JSON.stringify({ model: 'openai/m', max_tokens: 5, messages: MESSAGES }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { id: string }).id, 'msg_req-without-id');
  });

  for (const provider of ['anthropic', 'cohere'] as const) {
    it(`answers an object without the ${provider} protocol's message content with 502 on the OpenAI route, not the node's 500`, async () => {
      // Any path (Anthropic's /v1/messages, Cohere's /v2/chat): a 200 with an empty JSON object.
      const translated = await listenOnLoopback(
        createServer((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
        }),
      );
      const node = await startGateway(providerConfig(translated.origin, { provider }), { sleep: instantSleep });
      try {
        const error = await node
          .openai()
          .chat.completions.create({ model: `${provider}/m`, messages: MESSAGES })
          .catch((e: unknown) => e);
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.status, 502);
        assert.equal((error.error as { code?: string }).code, 'upstream_bad_response');
        assert.match(error.message, /cannot read/);
        assert.deepEqual(
          node.logs.filter((line) => (line.level as number) >= 50),
          [],
        );
      } finally {
        await node.close();
        await translated.close();
      }
    });
  }
});
