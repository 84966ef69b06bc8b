import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { addSecret, redactText } from '../../../gateway/security/secret-redaction.js';
import { startAnthropicUpstream, type AnthropicUpstream } from '../../support/anthropic-upstream.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startGateway, type RunningGateway } from '../../support/start-gateway.js';

const KEY = 'sk-redact-test-0123456789abcdef';
const OPERATOR_SECRET = 'operator-header-secret-998877';
const ANTHROPIC_KEY = 'sk-ant-redact-test-abcdefghijkl';
const MESSAGES = [{ role: 'user' as const, content: 'x' }];

describe('redactText', () => {
  it('masks a registered secret in every form an upstream might echo it', () => {
    const secret = 'Sk-Form/Test+Secret=0123';
    addSecret(secret);
    const forms = [
      secret,
      secret.toUpperCase(),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      JSON.stringify(secret).slice(1, -1),
    ];
    for (const form of forms) {
      const out = redactText(`the key ${form} is wrong`);
      assert.ok(!out.includes(form), `${form} survived in: ${out}`);
      assert.match(out, /^the key \S{4}\*+\S{4} is wrong$/);
    }
  });

  it('leaves short values alone, so ordinary words in messages are not masked', () => {
    addSecret('search');
    assert.equal(redactText('no search results'), 'no search results');
  });
});

describe('no secret reaches a client through an upstream error', () => {
  let upstream: MockUpstream;
  let anthropic: AnthropicUpstream;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await MockUpstream.start();
    anthropic = await startAnthropicUpstream(ANTHROPIC_KEY);
    gateway = await startGateway({
      providers: {
        openai: {
          keys: [{ name: 'k', value: KEY, models: ['*'], weight: 1 }],
          network_config: { base_url: upstream.url, extra_headers: { 'x-operator-token': OPERATOR_SECRET } },
        },
        anthropic: { keys: [{ name: 'a', value: ANTHROPIC_KEY, models: ['*'], weight: 1 }], network_config: { base_url: anthropic.url } },
      },
    });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
    await anthropic.close();
  });

  it('redacts the key in the error type and code, and an extra header value echoed in the message', async () => {
    upstream.enqueue({
      status: 401,
      errorBody: { error: { message: `header x-operator-token=${OPERATOR_SECRET} refused`, type: `bad_key_${KEY}`, code: encodeURIComponent(KEY) } },
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }),
    });
    const text = await response.text();
    assert.equal(response.status, 401);
    for (const secret of [KEY, OPERATOR_SECRET, encodeURIComponent(KEY)]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.match(text, /refused/);
  });

  it('redacts the key in an error event relayed from an Anthropic stream', async () => {
    anthropic.enqueue({
      kind: 'events',
      events: [
        {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: {
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              model: 'claude-x',
              content: [],
              stop_reason: null,
              usage: { input_tokens: 1, output_tokens: 0 },
            },
          },
        },
        { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: `key ${ANTHROPIC_KEY} is overloaded` } } },
      ],
    });
    const client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.messages.create({ model: 'claude-x', max_tokens: 10, messages: MESSAGES, stream: true });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of stream) seen.push(JSON.stringify(event));
      })(),
      (error: Error) => {
        assert.ok(!error.message.includes(ANTHROPIC_KEY), error.message);
        assert.match(error.message, /overloaded/);
        return true;
      },
    );
    assert.ok(!seen.join('').includes(ANTHROPIC_KEY));
  });
});
