import assert from 'node:assert/strict';
import { startAnthropicUpstream, type AnthropicUpstream } from '../../../support/anthropic-upstream.js';
import { startCohereUpstream, type CohereUpstream } from '../../../support/cohere-upstream.js';
import { startGeminiUpstream, type GeminiUpstream } from '../../../support/gemini-upstream.js';
import { MockUpstream } from '../../../support/mock-upstream.js';
import { seededRandom } from '../../../support/seeded-random.js';
import { startGateway, type RunningGateway } from '../../../support/start-gateway.js';
import { mutateBody, pick, randomJson } from './mutate-json.js';

/**
 * Fuzzes the node's request parsers through real HTTP: valid bodies of the three dialects
 * (OpenAI chat, Anthropic messages, Gemini generateContent), mutated at random, plus random
 * and truncated bodies, sent to every kind of provider (native and translated). Whatever the
 * node answers, it must not be a 5xx for a body no upstream saw, nor a 500 whose cause it did
 * not log, and no answer may carry a configured key. FUZZ_SEED and FUZZ_REQUESTS run it
 * longer or differently (by hand); a failure names the request's index and body.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 300);
const KEYS = {
  anthropic: 'sk-ant-fuzz-secret-0123456789abcdef',
  gemini: 'AIzaSy-fuzz-secret-key-000123',
  openai: 'sk-openai-fuzz-secret-0123456789abcdef',
  cohere: 'co-fuzz-secret-0123456789abcdef',
};

type Random = () => number;

/** One client dialect: where it posts, which models it names, and a valid body to mutate. */
interface Dialect {
  name: string;
  models: string[];
  path(model: string, random: Random): string;
  seed(model: string): Record<string, unknown>;
}

const SCHEMA = { type: 'object', properties: { a: { type: 'number' } } };

const DIALECTS: Dialect[] = [
  {
    name: 'openai chat',
    models: ['openai/m', 'anthropic/claude-haiku-4-5', 'gemini/gemini-2.0-flash', 'cohere/command-r'],
    path: () => '/v1/chat/completions',
    seed: (model) => ({
      model,
      stream: false,
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '42' },
        { role: 'user', content: 'and now?' },
      ],
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: SCHEMA } }],
      tool_choice: 'auto',
      temperature: 0.5,
      max_tokens: 20,
      stop: ['x'],
    }),
  },
  {
    name: 'anthropic messages',
    models: ['claude-haiku-4-5', 'openai/m', 'gemini/gemini-2.0-flash', 'cohere/command-r'],
    path: () => '/anthropic/v1/messages',
    seed: (model) => ({
      model,
      max_tokens: 20,
      stream: false,
      system: [{ type: 'text', text: 'be brief' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '42' }] }] },
      ],
      tools: [{ name: 'f', description: 'd', input_schema: SCHEMA }],
      tool_choice: { type: 'auto' },
      temperature: 0.5,
      stop_sequences: ['x'],
      metadata: { user_id: 'u' },
    }),
  },
  {
    name: 'gemini generateContent',
    models: ['gemini-2.0-flash', 'openai%2Fm', 'anthropic%2Fclaude-haiku-4-5', 'cohere%2Fcommand-r'],
    path: (model, random) => {
      const action = pick(['generateContent', 'streamGenerateContent', 'streamGenerateContent?alt=sse'], random);
      return `/genai/v1beta/models/${model}:${action}`;
    },
    seed: () => ({
      systemInstruction: { parts: [{ text: 'be brief' }] },
      contents: [
        { role: 'user', parts: [{ text: 'hi' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: { v: 42 } } }, { text: 'and now?' }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'f', description: 'd', parameters: { type: 'OBJECT', properties: { a: { type: 'NUMBER' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
      generationConfig: { temperature: 0.5, maxOutputTokens: 20, stopSequences: ['x'] },
    }),
  },
];

/** A request body's text: usually a mutated seed, sometimes a random value or cut-off JSON. */
function bodyTextFor(dialect: Dialect, model: string, random: Random): string {
  const roll = random();
  if (roll < 0.08) return JSON.stringify(randomJson(random));
  const seed = dialect.seed(decodeURIComponent(model));
  const text = JSON.stringify(roll < 0.15 ? seed : mutateBody(seed, 1 + Math.floor(random() * 3), random));
  return roll > 0.97 ? text.slice(0, Math.floor(random() * text.length)) : text;
}

describe('request parser fuzz (three dialects, seeded)', function () {
  this.timeout(60_000);
  let anthropic: AnthropicUpstream;
  let gemini: GeminiUpstream;
  let openai: MockUpstream;
  let cohere: CohereUpstream;
  let gw: RunningGateway;

  before(async () => {
    anthropic = await startAnthropicUpstream(KEYS.anthropic);
    gemini = await startGeminiUpstream({ apiKey: KEYS.gemini });
    openai = await MockUpstream.start();
    cohere = await startCohereUpstream(KEYS.cohere);
    const entry = (name: keyof typeof KEYS, url: string) => ({
      keys: [{ name: `${name}-key`, value: KEYS[name], models: ['*'], weight: 1 }],
      network_config: { base_url: url },
    });
    gw = await startGateway({
      providers: {
        anthropic: entry('anthropic', anthropic.url),
        gemini: entry('gemini', gemini.url),
        openai: entry('openai', openai.url),
        cohere: entry('cohere', cohere.url),
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([anthropic.close(), gemini.close(), openai.close(), cohere.close()]);
  });

  const upstreamCalls = (): number => anthropic.requests.length + gemini.requests.length + openai.requests.length + cohere.requests.length;

  it(`answers ${REQUESTS} random and mutated bodies without an unexplained 500, a 5xx no upstream caused, or a key`, async () => {
    const random = seededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let index = 0; index < REQUESTS; index++) {
      const dialect = DIALECTS[index % DIALECTS.length] as Dialect;
      const model = pick(dialect.models, random);
      const path = dialect.path(model, random);
      const text = bodyTextFor(dialect, model, random);
      const logsBefore = gw.logs.length;
      const callsBefore = upstreamCalls();
      const response = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      const answer = `${JSON.stringify([...response.headers])}\n${await response.text()}`;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);

      const reachedUpstream = upstreamCalls() > callsBefore;
      const loggedCause = gw.logs
        .slice(logsBefore)
        .some((line) => line.level === 'error' && typeof (line.err as { stack?: unknown } | undefined)?.stack === 'string');
      const where = `#${index} ${dialect.name} ${path} -> ${response.status}: ${text.slice(0, 2000)}\n  answer: ${answer.slice(0, 300)}`;
      if (response.status >= 500 && !reachedUpstream) failures.push(`5xx for a body no upstream saw, ${where}`);
      if (response.status === 500 && !loggedCause) failures.push(`500 without a logged cause, ${where}`);
      for (const [provider, key] of Object.entries(KEYS)) if (answer.includes(key)) failures.push(`the ${provider} key in the answer, ${where}`);
    }
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failures`);
    // The fuzz is worth little if nothing got through: some bodies must have reached a provider and been answered.
    assert.ok((statuses.get(200) ?? 0) > 10, `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(400) ?? 0) > 50, `statuses: ${JSON.stringify([...statuses])}`);
  });
});
