import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../../support/start-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];
const KEY = { name: 'k', value: 'sk-routing-test-key-0001', models: ['*'], weight: 1 };

describe('routing: fallbacks and key errors', () => {
  let primary: MockUpstream;
  let second: MockUpstream;
  let third: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    [primary, second, third] = await Promise.all([MockUpstream.start(), MockUpstream.start(), MockUpstream.start()]);
    gateway = await startGateway(
      {
        providers: {
          openai: { keys: [KEY], network_config: { base_url: primary.url, max_retries: 1 } },
          groq: { keys: [KEY], network_config: { base_url: second.url } },
          mistral: { keys: [KEY], network_config: { base_url: third.url } },
          deepseek: { keys: [{ ...KEY, value: 'env.DEEPSEEK_KEY_UNSET' }] },
          xai: { keys: [{ ...KEY, models: ['grok-2'] }], network_config: { base_url: third.url } },
        },
      },
      { sleep: instantSleep },
    );
  });

  afterEach(async () => {
    await gateway.close();
    await Promise.all([primary.close(), second.close(), third.close()]);
  });

  it('tries the fallbacks in order after the primary used its retries', async () => {
    primary.setDefault({ status: 500 });
    second.setDefault({ status: 502 });
    third.setDefault({ content: 'from mistral' });
    const completion = await gateway.openai().chat.completions.create({
      model: 'openai/gpt-4o',
      messages: MESSAGES,
      fallbacks: ['groq/llama', 'mistral/small'],
    } as never);
    assert.equal((completion as OpenAI.ChatCompletion).choices[0]?.message.content, 'from mistral');
    assert.equal(primary.requests.length, 2, 'primary: one try and one retry');
    assert.equal(second.requests.length, 1);
    assert.equal(third.requests[0]?.body?.model, 'small');
    const extra = (completion as unknown as { extra_fields: Record<string, unknown> }).extra_fields;
    assert.equal(extra.provider, 'mistral');
  });

  it("answers the primary's error when every fallback failed too", async () => {
    primary.setDefault({ status: 429, errorBody: { error: { message: 'primary is rate limited', type: 'rate_limit', code: 'rl' } } });
    second.setDefault({ status: 500 });
    const error = await gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o', messages: MESSAGES, fallbacks: ['groq/llama'] } as never)
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.match(error.message, /primary is rate limited/);
  });

  it('streams from a fallback when the primary refuses the stream', async () => {
    primary.setDefault({ status: 500 });
    const stream = await gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o', messages: MESSAGES, stream: true, fallbacks: ['groq/llama'] } as never);
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
    assert.equal(second.requests[0]?.body?.stream, true);
  });

  it('refuses an unknown fallback provider with 400 before any upstream call', async () => {
    const error = await gateway
      .openai()
      .chat.completions.create({ model: 'openai/gpt-4o', messages: MESSAGES, fallbacks: ['nope/x'] } as never)
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.match(error.message, /provider "nope" is not configured/);
    assert.equal(primary.requests.length, 0);
  });

  it('answers a clear error naming the unset variable, never a secret, when no key is usable', async () => {
    const response = await post(gateway, { model: 'deepseek/deepseek-chat', messages: MESSAGES });
    assert.equal(response.status, 500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'no_usable_key');
    assert.match(body.error.message, /DEEPSEEK_KEY_UNSET/);
  });

  it('answers 400 when no key of the provider allows the model', async () => {
    const response = await post(gateway, { model: 'xai/grok-3', messages: MESSAGES });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'model_not_supported');
  });
});

function post(gateway: RunningGateway, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
