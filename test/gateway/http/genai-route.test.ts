import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import { clearVertexTokenCache } from '../../../gateway/providers/vertex/auth.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../support/gemini-upstream.js';
import { createTestServiceAccount, startGoogleTokenEndpoint, type GoogleTokenEndpoint } from '../../support/google-token-endpoint.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { instantSleep, startGateway, type RunningGateway } from '../../support/start-gateway.js';

const GEMINI_KEY = 'AIzaSy-genai-route-key-0001';

/** Reads a `text/event-stream` body as parsed JSON events. */
async function readSse(response: Response): Promise<any[]> {
  const events: any[] = [];
  const parser = createParser({ onEvent: (event) => events.push(JSON.parse(event.data)) });
  parser.feed(await response.text());
  return events;
}

describe('POST /genai/v1beta/models/{model}:generateContent (Gemini clients, plain fetch)', () => {
  let gemini: GeminiUpstream;
  let openaiUpstream: MockUpstream;
  let tokens: GoogleTokenEndpoint;
  let vertex: GeminiUpstream;
  let gw: RunningGateway;

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${gw.url}/genai/v1beta/models/${path}`, {
      method: 'POST',
      // What a Gemini SDK sends: its own key header, which the node does not forward.
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-side-key' },
      body: JSON.stringify(body),
    });

  before(async () => {
    clearVertexTokenCache();
    gemini = await startGeminiUpstream({ apiKey: GEMINI_KEY });
    openaiUpstream = await MockUpstream.start();
    tokens = await startGoogleTokenEndpoint();
    const account = createTestServiceAccount(tokens.url);
    tokens.trust(account);
    vertex = await startGeminiUpstream({ acceptBearer: (token) => tokens.issued.has(token) });
    gw = await startGateway(
      {
        providers: {
          gemini: { keys: [{ name: 'g', value: GEMINI_KEY, models: ['*'], weight: 1 }], network_config: { base_url: gemini.url } },
          openai: { keys: [{ name: 'o', value: 'sk-openai-0123456789abcdef', models: ['*'], weight: 1 }], network_config: { base_url: openaiUpstream.url } },
          vertex: {
            keys: [
              {
                name: 'v',
                value: '',
                models: ['*'],
                weight: 1,
                vertex_key_config: { project_id: 'p1', region: 'europe-west1', auth_credentials: account.json },
              },
            ],
            network_config: { base_url: vertex.url },
          },
        },
      },
      { sleep: instantSleep },
    );
  });
  after(async () => {
    await gw.close();
    await gemini.close();
    await openaiUpstream.close();
    await vertex.close();
    await tokens.close();
  });
  beforeEach(() => {
    gemini.requests.length = 0;
    openaiUpstream.requests.length = 0;
    vertex.requests.length = 0;
  });

  describe('to gemini (native pass-through)', () => {
    it('never lets a client replace the configured key through x-bf-eh-x-goog-api-key', async () => {
      gemini.enqueue({ kind: 'json', body: { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }] } });
      const response = await fetch(`${gw.url}/genai/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bf-eh-x-goog-api-key': 'a-key-the-client-chose', 'x-bf-eh-X-Trace': 't-1' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(gemini.requests[0]?.headers['x-goog-api-key'], GEMINI_KEY);
      assert.equal(gemini.requests[0]?.headers['x-trace'], 't-1');
    });

    it('sends the client body unchanged with the configured key and returns the native response as is', async () => {
      const native = {
        candidates: [{ content: { role: 'model', parts: [{ text: 'hi', thoughtSignature: 'sig-1' }] }, finishReason: 'STOP', index: 0, avgLogprobs: -0.5 }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 9, thoughtsTokenCount: 5 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'native-1',
      };
      gemini.enqueue({ kind: 'json', body: native });
      const body = {
        contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
        generationConfig: { thinkingConfig: { thinkingBudget: 64 }, topK: 3 },
      };
      const response = await post('gemini-2.5-flash:generateContent', body);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), native);
      const sent = gemini.requests[0];
      assert.equal(sent?.path, '/v1beta/models/gemini-2.5-flash:generateContent');
      assert.equal(sent?.headers['x-goog-api-key'], GEMINI_KEY);
      assert.deepEqual(sent?.body, body);
    });

    it('streams Gemini events as SSE with alt=sse', async () => {
      const response = await post('gemini%2Fgemini-2.0-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'yo' }] }] });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const events = await readSse(response);
      assert.equal(events.map((event) => event.candidates[0].content.parts[0].text).join(''), 'echo: yo');
      assert.equal(events.at(-1).candidates[0].finishReason, 'STOP');
      assert.deepEqual(events.at(-1).usageMetadata, { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 });
    });

    it('streams a JSON array without alt=sse, as Gemini does', async () => {
      const response = await post('gemini-2.0-flash:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'array' }] }] });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const events = (await response.json()) as any[];
      assert.equal(events.length, 2);
      assert.equal(events.map((event) => event.candidates[0].content.parts[0].text).join(''), 'echo: array');
    });

    it("answers Gemini's own errors in Google's shape with their status", async () => {
      gemini.enqueue({ kind: 'error', status: 429, message: 'Resource has been exhausted (e.g. check quota).', googleStatus: 'RESOURCE_EXHAUSTED' });
      const response = await post('gemini-2.0-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
      assert.equal(response.status, 429);
      assert.deepEqual(await response.json(), {
        error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' },
      });
    });

    it('ends a stream that fails midway with a Google error event after the text already sent', async () => {
      gemini.enqueue({
        kind: 'sse',
        events: [
          { candidates: [{ content: { role: 'model', parts: [{ text: 'Partial' }] }, index: 0 }] },
          { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } },
        ],
      });
      const response = await post('gemini-2.0-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
      const events = await readSse(response);
      assert.equal(events[0].candidates[0].content.parts[0].text, 'Partial');
      assert.deepEqual(events[1], { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
    });
  });

  it('stops reading the upstream stream when the Gemini client goes away', async () => {
    const events = Array.from({ length: 500 }, (_, n) => ({ candidates: [{ content: { role: 'model', parts: [{ text: `w${n} ` }] }, index: 0 }] }));
    gemini.enqueue({ kind: 'sse', events, intervalMs: 20 });
    const abandoned = gemini.nextAbandoned();
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/genai/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'long' }] }] }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /w0/);
    controller.abort();
    const request = await abandoned;
    assert.equal(request.action, 'streamGenerateContent');
    assert.equal(request.abandoned, true);
  });

  describe('to vertex (native pass-through)', () => {
    it('sends the body to the Vertex model path with a bearer token from the service account', async () => {
      const response = await post('vertex%2Fgemini-2.0-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'from vertex' }] }] });
      assert.equal(response.status, 200);
      const json = (await response.json()) as any;
      assert.equal(json.candidates[0].content.parts[0].text, 'echo: from vertex');
      assert.equal(vertex.requests[0]?.path, '/v1/projects/p1/locations/europe-west1/publishers/google/models/gemini-2.0-flash:generateContent');
      assert.match(String(vertex.requests[0]?.headers.authorization), /^Bearer ya29\.test-token-\d+$/);
    });
  });

  describe('to an OpenAI-protocol provider (translated)', () => {
    it('translates the Gemini body to a chat request and the answer back to a Gemini response', async () => {
      const response = await post('openai%2Fgpt-4o-mini:generateContent', {
        systemInstruction: { parts: [{ text: 'Be kind.' }] },
        contents: [{ role: 'user', parts: [{ text: 'hi' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }],
        generationConfig: { maxOutputTokens: 30, temperature: 0.1, stopSequences: ['END'] },
      });
      assert.equal(response.status, 200);
      const json = (await response.json()) as any;
      assert.deepEqual(json.candidates, [{ content: { role: 'model', parts: [{ text: 'hello from mock' }] }, finishReason: 'STOP', index: 0 }]);
      assert.deepEqual(json.usageMetadata, { promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 });
      const sent = openaiUpstream.requests[0]?.body as any;
      assert.equal(sent.model, 'gpt-4o-mini');
      assert.deepEqual(sent.messages, [
        { role: 'system', content: 'Be kind.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ]);
      assert.equal(sent.max_tokens, 30);
      assert.deepEqual(sent.stop, ['END']);
    });

    it('also takes the provider/model with a literal slash in the path', async () => {
      const response = await post('openai/gpt-4o-mini:generateContent', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
      assert.equal(response.status, 200);
      assert.equal(openaiUpstream.requests[0]?.path.endsWith('/chat/completions'), true);
    });

    it('turns tool calls into functionCall parts and functionResponse parts into tool messages', async () => {
      openaiUpstream.enqueue({
        body: {
          id: 'chatcmpl-tools',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'lookup', arguments: '{"q":"tea"}' } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        },
      });
      const tools = [
        {
          functionDeclarations: [
            { name: 'lookup', description: 'Search', parameters: { type: 'OBJECT', properties: { q: { type: 'STRING' } }, required: ['q'] } },
          ],
        },
      ];
      const first = await post('openai%2Fgpt-4o-mini:generateContent', {
        contents: [{ role: 'user', parts: [{ text: 'find tea' }] }],
        tools,
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      });
      const json = (await first.json()) as any;
      assert.deepEqual(json.candidates[0].content.parts, [{ functionCall: { id: 'call_abc', name: 'lookup', args: { q: 'tea' } } }]);
      assert.equal(json.candidates[0].finishReason, 'STOP');
      const sentTools = (openaiUpstream.requests[0]!.body as any).tools;
      assert.deepEqual(sentTools, [
        {
          type: 'function',
          function: { name: 'lookup', description: 'Search', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
        },
      ]);
      assert.equal((openaiUpstream.requests[0]!.body as any).tool_choice, 'required');

      // The client sends the call back without its id, as older Gemini clients do: matched by name.
      await post('openai%2Fgpt-4o-mini:generateContent', {
        contents: [
          { role: 'user', parts: [{ text: 'find tea' }] },
          { role: 'model', parts: [{ functionCall: { name: 'lookup', args: { q: 'tea' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { result: 'green tea' } } }] },
        ],
        tools,
      });
      const messages = (openaiUpstream.requests[1]!.body as any).messages;
      assert.equal(messages[1].tool_calls[0].function.name, 'lookup');
      assert.deepEqual(messages[2], { role: 'tool', tool_call_id: messages[1].tool_calls[0].id, content: '{"result":"green tea"}' });
    });

    it('streams translated chunks as Gemini SSE events, finishing with STOP and usage', async () => {
      const response = await post('openai%2Fgpt-4o-mini:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'go' }] }] });
      const events = await readSse(response);
      const text = events.map((event) => event.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('');
      assert.equal(text, 'chunk-0 chunk-1 chunk-2 ');
      const last = events.at(-1);
      assert.equal(last.candidates[0].finishReason, 'STOP');
      assert.deepEqual(last.usageMetadata, { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 });
      assert.deepEqual((openaiUpstream.requests[0]!.body as any).stream_options, { include_usage: true });
    });
  });

  it('falls back from a failing Gemini to an OpenAI-protocol provider named in the body', async () => {
    gemini.enqueue({ kind: 'error', status: 503, message: 'The model is overloaded.', googleStatus: 'UNAVAILABLE' });
    const response = await post('gemini-2.0-flash:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      fallbacks: ['openai/gpt-4o-mini'],
    });
    assert.equal(response.status, 200);
    const json = (await response.json()) as any;
    assert.equal(json.candidates[0].content.parts[0].text, 'hello from mock');
    assert.equal(gemini.requests.length, 1);
    assert.equal(gemini.requests[0]?.body.fallbacks, undefined);
  });

  it('does not try the primary again when a fallback names it (the body has no model: it is in the URL)', async () => {
    gemini.enqueue({ kind: 'error', status: 503, message: 'The model is overloaded.', googleStatus: 'UNAVAILABLE' });
    const response = await post('gemini-2.0-flash:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      fallbacks: ['gemini/gemini-2.0-flash'],
    });
    // (An upstream 503 is answered 502: see "Errors and statuses".)
    assert.equal(response.status, 502);
    assert.equal(gemini.requests.length, 1);
  });

  it('refuses bad requests in Google error shape before any upstream call', async () => {
    const cases: [string, unknown, number, string][] = [
      ['gemini-2.0-flash:generateContent', { contents: [] }, 400, 'INVALID_ARGUMENT'],
      ['nobody%2Fmodel-x:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, 400, 'INVALID_ARGUMENT'],
      ['gemini-2.0-flash:countTokens', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, 404, 'NOT_FOUND'],
    ];
    for (const [path, body, status, name] of cases) {
      const response = await post(path, body);
      assert.equal(response.status, status, path);
      const json = (await response.json()) as any;
      assert.equal(json.error.code, status);
      assert.equal(json.error.status, name);
      assert.equal(typeof json.error.message, 'string');
    }
    assert.equal(gemini.requests.length + openaiUpstream.requests.length, 0);
  });
});
