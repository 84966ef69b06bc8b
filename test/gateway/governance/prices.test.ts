import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateUsage, DEFAULT_OUTPUT_TOKENS } from '../../../gateway/governance/estimate.js';
import { costOf, findPrice, loadPriceTable } from '../../../gateway/governance/prices.js';

describe('prices', () => {
  const table = loadPriceTable();

  it('ships a dated table with common OpenAI, Anthropic and Gemini models', () => {
    assert.ok(table.date);
    for (const model of ['gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-flash']) assert.ok(findPrice(table, 'x', model), model);
  });

  it('prices usage per token, finding dated model names by their base name', () => {
    const price = findPrice(table, 'openai', 'gpt-4o-2024-08-06');
    assert.ok(price);
    // gpt-4o: $2.50 per million input tokens, $10 per million output tokens.
    assert.equal(Math.round(costOf(price, 1_000_000, 1_000_000) * 100) / 100, 12.5);
    assert.equal(costOf(undefined, 1000, 1000), 0);
  });

  it('reads another file in the flat LiteLLM shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(
        file,
        JSON.stringify({ sample_spec: { input_cost_per_token: 1 }, 'my-model': { input_cost_per_token: 0.001, output_cost_per_token: 0.002, max_tokens: 10 } }),
      );
      const custom = loadPriceTable(file);
      assert.deepEqual([...custom.prices.keys()], ['my-model']);
      assert.equal(costOf(findPrice(custom, 'openai', 'my-model'), 10, 5), 0.02);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('estimateUsage', () => {
  it('counts the prompt at four characters a token and the answer at its maximum', () => {
    const body = { messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 50 };
    const estimate = estimateUsage(body);
    assert.ok(estimate.promptTokens >= 100 && estimate.promptTokens < 120, String(estimate.promptTokens));
    assert.equal(estimate.completionTokens, 50);
  });

  it('counts a structured prompt close to the length of its JSON, whatever its dialect', () => {
    const bodies: Record<string, unknown>[] = [
      {
        messages: [
          { role: 'system', content: 'You answer in French.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Décris cette image.' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            ],
          },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"Paris"}' } }] },
        ],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }],
      },
      { system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: 'y'.repeat(2000) }], max_tokens: 10 },
      { contents: [{ role: 'user', parts: [{ text: 'z'.repeat(900) }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } },
    ];
    for (const body of bodies) {
      const jsonChars = ['messages', 'system', 'contents', 'systemInstruction', 'tools'].reduce(
        (sum, field) => sum + (body[field] === undefined ? 0 : JSON.stringify(body[field]).length),
        0,
      );
      const promptTokens = estimateUsage(body).promptTokens;
      const expected = jsonChars / 4;
      assert.ok(Math.abs(promptTokens - expected) <= expected * 0.1 + 1, `${promptTokens} tokens for ${jsonChars} characters of JSON`);
    }
  });

  it('reads the Gemini maximum, falls back to a default, and reserves no output for embeddings', () => {
    assert.equal(estimateUsage({ contents: [], generationConfig: { maxOutputTokens: 7 } }).completionTokens, 7);
    assert.equal(estimateUsage({ messages: [] }).completionTokens, DEFAULT_OUTPUT_TOKENS);
    assert.equal(estimateUsage({ input: 'abcd' }, true).completionTokens, 0);
  });
});
