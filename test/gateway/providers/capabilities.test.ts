import assert from 'node:assert/strict';
import { requireCapability } from '../../../gateway/providers/capabilities.js';
import { ADAPTERS } from '../../../gateway/providers/registry.js';
import type { UpstreamTarget } from '../../../gateway/providers/types.js';
import { GatewayError } from '../../../gateway/core/errors.js';

/** Which capabilities each adapter declares, as a route sees them. */
function declared(protocol: string): string[] {
  const capabilities = (ADAPTERS[protocol] as (typeof ADAPTERS)[string]).capabilities;
  const out: string[] = [];
  if (capabilities.text) out.push('text');
  if (capabilities.text?.stream) out.push('text-stream');
  if (capabilities.embeddings) out.push('embeddings');
  if (capabilities.native?.anthropic) out.push('native-anthropic');
  if (capabilities.native?.gemini) out.push('native-gemini');
  return out;
}

describe('provider capabilities', () => {
  it('declares what each provider family can do besides chat', () => {
    assert.deepEqual(declared('openai'), ['text', 'text-stream', 'embeddings']);
    assert.deepEqual(declared('azure'), ['text', 'embeddings']);
    assert.deepEqual(declared('anthropic'), ['native-anthropic']);
    assert.deepEqual(declared('cohere'), ['embeddings']);
    assert.deepEqual(declared('bedrock'), ['embeddings']);
    assert.deepEqual(declared('gemini'), ['embeddings', 'native-gemini']);
    assert.deepEqual(declared('vertex'), ['embeddings', 'native-gemini']);
  });

  it('refuses a missing capability as unsupported_operation naming the provider', () => {
    const target = { provider: { name: 'cohere' }, model: 'command-r' } as unknown as UpstreamTarget;
    assert.throws(
      () => requireCapability(ADAPTERS.cohere?.capabilities.text, target, 'serve text completions (/v1/completions)'),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'unsupported_operation' && /provider "cohere" does not serve text completions/.test(error.message),
    );
  });
});
