import assert from 'node:assert/strict';
import { startAnthropicUpstream, type AnthropicUpstream } from '../../support/anthropic-upstream.js';
import { startCohereUpstream, type CohereUpstream } from '../../support/cohere-upstream.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../support/gemini-upstream.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startGateway, type RunningGateway } from '../../support/start-gateway.js';

const ANTHROPIC_KEY = 'sk-ant-malformed-0123456789abcdef';
const GEMINI_KEY = 'AIzaSy-malformed-key-0001';
const COHERE_KEY = 'co-malformed-0123456789abcdef';

/** Stands for 5000 arrays nested in one another (`[[[...]]]`), spliced into the body's text (JSON.stringify cannot write it). */
const DEEP = '@deep@';
const DEEP_TEXT = '['.repeat(5000) + ']'.repeat(5000);

describe('malformed request bodies are answered 400 with the field, before any upstream work', () => {
  let anthropic: AnthropicUpstream;
  let gemini: GeminiUpstream;
  let openai: MockUpstream;
  let cohere: CohereUpstream;
  let gw: RunningGateway;

  before(async () => {
    anthropic = await startAnthropicUpstream(ANTHROPIC_KEY);
    gemini = await startGeminiUpstream({ apiKey: GEMINI_KEY });
    openai = await MockUpstream.start();
    cohere = await startCohereUpstream(COHERE_KEY);
    gw = await startGateway({
      providers: {
        anthropic: { keys: [{ name: 'a', value: ANTHROPIC_KEY, models: ['*'], weight: 1 }], network_config: { base_url: anthropic.url } },
        gemini: { keys: [{ name: 'g', value: GEMINI_KEY, models: ['*'], weight: 1 }], network_config: { base_url: gemini.url } },
        openai: { keys: [{ name: 'o', value: 'sk-openai-0123456789abcdef', models: ['*'], weight: 1 }], network_config: { base_url: openai.url } },
        cohere: { keys: [{ name: 'c', value: COHERE_KEY, models: ['*'], weight: 1 }], network_config: { base_url: cohere.url } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await anthropic.close();
    await gemini.close();
    await openai.close();
    await cohere.close();
  });
  beforeEach(() => {
    anthropic.requests.length = 0;
    gemini.requests.length = 0;
    openai.requests.length = 0;
    cohere.requests.length = 0;
    gw.logs.length = 0;
  });

  /** Nothing reached a provider, and no translator crashed ("failed unexpectedly"). */
  function assertNoUpstreamWork(): void {
    assert.equal(anthropic.requests.length + gemini.requests.length + openai.requests.length + cohere.requests.length, 0);
    assert.deepEqual(
      gw.logs.filter((line) => line.level === 'error'),
      [],
    );
  }

  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body).replace(`"${DEEP}"`, DEEP_TEXT),
    });
    return { status: response.status, body: await response.json() };
  };

  describe("Anthropic drop-in (answers in Anthropic's error shape)", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['content: 5', { messages: [{ role: 'user', content: 5 }] }, /^messages\.0\.content: /],
      ['a text block whose text is a number', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, /^messages\.0\.content\.0\.text: /],
      ['a null block', { messages: [{ role: 'user', content: [null] }] }, /^messages\.0\.content\.0: /],
      ['system: null', { system: null, messages: [{ role: 'user', content: 'hi' }] }, /^system: /],
      ['tool_choice: "auto" (a string)', { tool_choice: 'auto', messages: [{ role: 'user', content: 'hi' }] }, /^tool_choice: /],
      ['tools: "x"', { tools: 'x', messages: [{ role: 'user', content: 'hi' }] }, /^tools: /],
      ['a body nested 5000 levels deep', { metadata: { user_id: 'u', extra: DEEP }, messages: [{ role: 'user', content: 'hi' }] }, /levels deep/],
    ];
    for (const [name, fields, message] of cases) {
      for (const model of ['openai/m', 'claude-haiku-4-5']) {
        it(`${name} (to ${model})`, async () => {
          const answer = await post('/anthropic/v1/messages', { model, max_tokens: 10, ...fields });
          assert.equal(answer.status, 400);
          assert.equal(answer.body.type, 'error');
          assert.equal(answer.body.error.type, 'invalid_request_error');
          assert.match(answer.body.error.message, message);
          assertNoUpstreamWork();
        });
      }
    }
  });

  describe("Gemini drop-in (answers in Google's error shape)", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['parts: [null]', { contents: [{ role: 'user', parts: [null] }] }, /^contents\[0\]\.parts\[0\]: /],
      ['contents: [5]', { contents: [5] }, /^contents\[0\]: /],
      ['a text part whose text is an object', { contents: [{ parts: [{ text: { a: 1 } }] }] }, /^contents\[0\]\.parts\[0\]\.text: /],
      ['systemInstruction.parts: 5', { systemInstruction: { parts: 5 }, contents: [{ parts: [{ text: 'hi' }] }] }, /^systemInstruction\.parts: /],
      ['tools: {}', { tools: {}, contents: [{ parts: [{ text: 'hi' }] }] }, /^tools: /],
      ['a functionCall without a name', { contents: [{ role: 'model', parts: [{ functionCall: { args: {} } }] }] }, /functionCall\.name: /],
      [
        'a schema nested 5000 levels deep',
        { generationConfig: { responseMimeType: 'application/json', responseSchema: DEEP }, contents: [{ parts: [{ text: 'hi' }] }] },
        /levels deep/,
      ],
    ];
    for (const [name, body, message] of cases) {
      for (const model of ['openai%2Fm', 'gemini-2.0-flash']) {
        it(`${name} (to ${decodeURIComponent(model)})`, async () => {
          const answer = await post(`/genai/v1beta/models/${model}:generateContent`, body);
          assert.equal(answer.status, 400);
          assert.equal(answer.body.error.code, 400);
          assert.equal(answer.body.error.status, 'INVALID_ARGUMENT');
          assert.match(answer.body.error.message, message);
          assertNoUpstreamWork();
        });
      }
    }
  });

  describe('OpenAI chat route, to a provider whose translator reads the body', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['messages: [null]', { messages: [null] }, /^messages\[0\]: /],
      ['messages[0].content: 5', { messages: [{ role: 'user', content: 5 }] }, /^messages\[0\]\.content: /],
      [
        'a tool call without a function',
        { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function' }] }] },
        /^messages\[0\]\.tool_calls\[0\]\.function: /,
      ],
      ['tool_choice: null', { tool_choice: null, messages: [{ role: 'user', content: 'hi' }] }, /^tool_choice: /],
    ];
    for (const [name, fields, message] of cases) {
      for (const model of ['anthropic/claude-haiku-4-5', 'gemini/gemini-2.0-flash']) {
        it(`${name} (to ${model})`, async () => {
          const answer = await post('/v1/chat/completions', { model, ...fields });
          assert.equal(answer.status, 400);
          assert.equal(answer.body.error.type, 'invalid_request_error');
          assert.match(answer.body.error.message, message);
          assert.equal(answer.body.error.param, message.source.slice(1).split(':')[0]?.replace(/\\/g, ''));
          assertNoUpstreamWork();
        });
      }
    }
  });

  describe('OpenAI chat route, shapes OpenAI allows that a translator does not take', () => {
    for (const model of ['anthropic/claude-haiku-4-5', 'cohere/command-r']) {
      it(`refuses a tool that is not a function with a 400 (to ${model})`, async () => {
        const answer = await post('/v1/chat/completions', {
          model,
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ type: 'custom', custom: { name: 'grammar' } }],
        });
        assert.equal(answer.status, 400);
        assert.match(answer.body.error.message, /tools of type "custom" are not supported/);
        assertNoUpstreamWork();
      });
    }
  });

  it('reads an assistant message without content (tool calls only) as empty, not a crash', async () => {
    const answer = await post('/v1/chat/completions', {
      model: 'anthropic/claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '42' },
      ],
    });
    assert.equal(answer.status, 200);
    assert.equal(anthropic.requests.length, 1);
  });
});
