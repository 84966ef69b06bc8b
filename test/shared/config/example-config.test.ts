import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigBytes, validateConfigText } from '../../../shared/config/index.js';
import { adapterFor } from '../../../gateway/providers/registry.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../config/config.json');

describe('config/config.json (the shipped example)', () => {
  it('is valid and uses only settings the node implements', () => {
    const result = validateConfigText(readFileSync(EXAMPLE));
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues));
    assert.deepEqual(result.unsupported, []);
  });

  it('takes every secret from the environment and names only providers the node serves', () => {
    const { config, report } = loadConfigBytes(readFileSync(EXAMPLE), {});
    for (const provider of config.providers.values()) {
      assert.ok(adapterFor(provider), `${provider.name} has an adapter`);
      for (const key of provider.keys) {
        // With an empty environment every cloud key must be unusable: none holds a literal secret.
        if (!key.server) assert.equal(key.usable, false, `${provider.name}/${key.name} is an env. reference`);
      }
    }
    assert.ok(report.missingVariables.some((entry) => entry.variable === 'OPENAI_API_KEY'));
  });
});
