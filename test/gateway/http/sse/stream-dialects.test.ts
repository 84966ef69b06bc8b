import assert from 'node:assert/strict';
import type { OutcomeSink, RequestOutcome } from '../../../../gateway/request/outcome.js';
import { buildAnthropicMessage, eventsOf, startAnthropicUpstream, type AnthropicUpstream } from '../../../support/anthropic-upstream.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { waitFor } from '../../../support/wait-for.js';

const ANTHROPIC_KEY = 'sk-ant-dialect-0123456789abcdef';
const GEMINI_KEY = 'gm-dialect-0123456789abcdef';

/** `data:` events of OpenAI chunks that each carry the running total of usage (vLLM's continuous_usage_stats), then [DONE]. */
function cumulativeUsageEvents(count: number): string[] {
  const events: string[] = [];
  for (let i = 1; i <= count; i++) {
    const chunk = {
      id: 'chatcmpl-c',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: i === count ? 'stop' : null }],
      usage: { prompt_tokens: 100, completion_tokens: i, total_tokens: 100 + i },
    };
    events.push(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  return [...events, 'data: [DONE]\n\n'];
}

/** Streams through the OpenAI route and the Anthropic and Gemini drop-ins: the bytes each dialect sends, and the outcome. */
describe('stream dialects through the one pump', () => {
  let anthropic: AnthropicUpstream;
  let gemini: GeminiUpstream;
  let openai: MockUpstream;
  let gw: RunningGateway;
  const outcomes: RequestOutcome[] = [];
  const sink: OutcomeSink = { record: (outcome) => outcomes.push(outcome) };

  before(async () => {
    anthropic = await startAnthropicUpstream(ANTHROPIC_KEY);
    gemini = await startGeminiUpstream({ apiKey: GEMINI_KEY });
    openai = await MockUpstream.start();
    gw = await startGateway(
      {
        providers: {
          anthropic: { keys: [{ name: 'a', value: ANTHROPIC_KEY, models: ['*'], weight: 1 }], network_config: { base_url: anthropic.url } },
          gemini: { keys: [{ name: 'g', value: GEMINI_KEY, models: ['*'], weight: 1 }], network_config: { base_url: gemini.url } },
          openai: { keys: [{ name: 'o', value: 'sk-openai-dialect-0123456789', models: ['*'], weight: 1 }], network_config: { base_url: openai.url } },
        },
      },
      { sleep: instantSleep, outcomeSinks: [sink] },
    );
  });
  after(async () => {
    await gw.close();
    await anthropic.close();
    await gemini.close();
    await openai.close();
  });
  beforeEach(() => {
    outcomes.length = 0;
  });

  async function post(path: string, body: unknown): Promise<string> {
    const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200);
    return response.text();
  }

  async function outcome(): Promise<RequestOutcome> {
    await waitFor(() => outcomes.length > 0);
    return outcomes[0] as RequestOutcome;
  }

  it('relays Anthropic events as named SSE events and counts the usage they carry', async () => {
    const text = await post('/anthropic/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.match(text, /^event: message_start\ndata: \{/);
    assert.ok(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    const result = await outcome();
    assert.equal(result.streamed, true);
    assert.equal(result.succeeded, true);
    assert.equal(result.inputTokens, 12);
    assert.equal(result.outputTokens, 6);
  });

  it('ends an Anthropic stream cut before message_stop with an error event and a failed outcome', async () => {
    const events = eventsOf(buildAnthropicMessage('claude-haiku-4-5', [{ type: 'text', text: 'partial' }], 'end_turn')).slice(0, 3);
    anthropic.enqueue({ kind: 'events', events });
    const text = await post('/anthropic/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"anthropic ended the stream before message_stop"\}/);
    const result = await outcome();
    assert.equal(result.succeeded, false);
    assert.equal(result.error?.code, 'upstream_bad_response');
    assert.equal(result.status, 200);
  });

  it('writes a Gemini stream as one JSON array without alt=sse, with the last usage counted', async () => {
    const text = await post('/genai/v1beta/models/gemini/gemini-2.0-flash:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.ok(text.startsWith('[{'));
    assert.ok(text.endsWith('}]'));
    assert.equal((JSON.parse(text) as unknown[]).length, 2);
    assert.ok(text.includes('},\r\n{'), 'elements are separated as Gemini does');
    const result = await outcome();
    assert.equal(result.streamed, true);
    assert.equal(result.succeeded, true);
    assert.ok(result.firstChunkMs !== undefined);
    assert.equal(result.inputTokens, 7);
    assert.equal(result.outputTokens, 3);
  });

  it('counts an OpenAI stream that reports its running usage in every chunk once, at its last report', async () => {
    openai.enqueue({ rawEvents: cumulativeUsageEvents(5) });
    const text = await post('/v1/chat/completions', { model: 'openai/m', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    const result = await outcome();
    assert.equal(result.succeeded, true);
    assert.equal(result.inputTokens, 100);
    assert.equal(result.outputTokens, 5);
  });

  it('counts such a stream translated for the Anthropic drop-in once, too', async () => {
    openai.enqueue({ rawEvents: cumulativeUsageEvents(4) });
    const text = await post('/anthropic/v1/messages', { model: 'openai/m', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    const result = await outcome();
    assert.equal(result.inputTokens, 100);
    assert.equal(result.outputTokens, 4);
  });

  it('ends an OpenAI stream cut short (no finish_reason, no [DONE]) with an error event and a failed outcome', async () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] };
    openai.enqueue({ rawEvents: [`data: ${JSON.stringify(chunk)}\n\n`] });
    const text = await post('/v1/chat/completions', { model: 'openai/m', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(!text.includes('data: [DONE]'), text);
    const events = text.trim().split('\n\n');
    assert.equal(events.length, 2);
    const error = JSON.parse((events[1] as string).slice('data: '.length)) as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'upstream_bad_response');
    assert.match(error.error.message, /openai ended the stream before it finished/);
    const result = await outcome();
    assert.equal(result.succeeded, false);
    assert.equal(result.error?.code, 'upstream_bad_response');
  });

  it('completes an OpenAI stream that ended with a finish_reason but no [DONE], adding [DONE]', async () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] };
    openai.enqueue({ rawEvents: [`data: ${JSON.stringify(chunk)}\n\n`] });
    const text = await post('/v1/chat/completions', { model: 'openai/m', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(text, `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
    const result = await outcome();
    assert.equal(result.succeeded, true);
  });

  it('ends a cut-short OpenAI stream translated for the Anthropic drop-in with an error event, not message_stop', async () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] };
    openai.enqueue({ rawEvents: [`data: ${JSON.stringify(chunk)}\n\n`] });
    const text = await post('/anthropic/v1/messages', { model: 'openai/m', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(!text.includes('message_stop'), text);
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"openai ended the stream before it finished/);
    const result = await outcome();
    assert.equal(result.succeeded, false);
  });

  it('writes a Gemini stream as data: events with alt=sse', async () => {
    const text = await post('/genai/v1beta/models/gemini/gemini-2.0-flash:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    });
    assert.match(text, /^data: \{/);
    assert.ok(text.endsWith('\n\n'));
    assert.ok(!text.includes('[DONE]'));
  });
});
