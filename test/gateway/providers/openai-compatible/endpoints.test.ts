import assert from 'node:assert/strict';
import { loadConfigBytes } from '../../../../shared/config/index.js';
import { adapterFor } from '../../../../gateway/providers/registry.js';
import { OPENAI_COMPATIBLE_ENDPOINTS, openaiCompatibleAdapter } from '../../../../gateway/providers/openai-compatible/index.js';

function settingsOf(config: object, name: string) {
  const settings = loadConfigBytes(JSON.stringify(config), {}).config.providers.get(name);
  assert.ok(settings);
  return settings;
}

describe('OpenAI-compatible providers', () => {
  const expected: Record<string, string> = {
    openai: 'https://api.openai.com',
    groq: 'https://api.groq.com/openai',
    mistral: 'https://api.mistral.ai',
    deepseek: 'https://api.deepseek.com',
    xai: 'https://api.x.ai',
    openrouter: 'https://openrouter.ai/api',
    fireworks: 'https://api.fireworks.ai/inference',
    perplexity: 'https://api.perplexity.ai',
    cerebras: 'https://api.cerebras.ai',
    together: 'https://api.together.xyz',
    ollama: 'http://localhost:11434',
    vllm: 'http://localhost:8000',
  };

  for (const [name, origin] of Object.entries(expected)) {
    it(`serves ${name} through the shared adapter, by default at ${origin}`, () => {
      const settings = settingsOf({ providers: { [name]: { keys: [{ value: 'k', models: ['*'] }] } } }, name);
      assert.equal(adapterFor(settings), openaiCompatibleAdapter);
      assert.equal(openaiCompatibleAdapter.defaultBaseUrl(settings, settings.keys[0]), origin);
    });
  }

  it('uses /v1 paths everywhere but perplexity', () => {
    for (const [name, endpoint] of Object.entries(OPENAI_COMPATIBLE_ENDPOINTS)) {
      assert.equal(endpoint.apiPrefix, name === 'perplexity' ? '' : '/v1', name);
    }
  });

  it("prefers a key's ollama_key_config.url", () => {
    const settings = settingsOf(
      { providers: { ollama: { keys: [{ value: '', models: ['*'], ollama_key_config: { url: 'http://gpu-box:11434/' } }] } } },
      'ollama',
    );
    assert.equal(openaiCompatibleAdapter.defaultBaseUrl(settings, settings.keys[0]), 'http://gpu-box:11434');
  });

  it('serves a custom provider with base_provider_type openai, which has no default origin', () => {
    const settings = settingsOf({ providers: { mine: { keys: [], custom_provider_config: { base_provider_type: 'openai', is_key_less: true } } } }, 'mine');
    assert.equal(adapterFor(settings), openaiCompatibleAdapter);
    assert.equal(openaiCompatibleAdapter.defaultBaseUrl(settings, undefined), undefined);
  });

  it('has no adapter for a known provider this node cannot serve', () => {
    const settings = settingsOf({ providers: { elevenlabs: { keys: [] } } }, 'elevenlabs');
    assert.equal(adapterFor(settings), undefined);
  });
});
