import assert from 'node:assert/strict';
import { findSecrets, maskConfigText, maskSecret, unmaskConfigText } from '../../../reloader/config/secrets.js';

const text = `{
  "providers": {
    "openai": { "keys": [
      { "name": "a", "value": "sk-proj-abcdefghijklmnop1234", "weight": 1 },
      { "name": "b", "value": "env.OPENAI_API_KEY" },
      { "name": "c", "value": "short" }
    ], "network_config": { "extra_headers": { "Authorization": "Bearer 0123456789abcdefgh", "X-Team": "blue" } } },
    "bedrock": { "keys": [ { "value": "", "bedrock_key_config": { "access_key": "AKIAABCDEFGHIJKLMNOP", "secret_key": "env.AWS_SECRET" } } ] }
  },
  "governance": { "auth_config": { "admin_username": "admin", "admin_password": "hunter2-hunter2" }, "virtual_keys": [ { "id": "vk-1", "value": "sk-bf-virtual-0123456789" } ] },
  "logs_store": { "enabled": true, "type": "postgres", "config": { "host": "db", "user": "bf", "password": "env.PG_PASSWORD" } }
}`;

describe('config secrets', () => {
  it('finds literal secrets by place (key values, Bedrock keys, auth headers, the admin password), never env. references', () => {
    assert.deepEqual(
      findSecrets(text).map((s) => s.path),
      [
        'providers.openai.keys[0].value',
        'providers.openai.keys[2].value',
        'providers.openai.network_config.extra_headers.Authorization',
        'providers.bedrock.keys[0].bedrock_key_config.access_key',
        'governance.auth_config.admin_password',
        'governance.virtual_keys[0].value',
      ],
    );
  });

  it('masks Bifrost-style 4+4, short ones entirely, and leaves the layout as written', () => {
    assert.equal(maskSecret('sk-proj-abcdefghijklmnop1234'), 'sk-p…1234');
    assert.equal(maskSecret('hunter2-hunter2'), '………');
    const masked = maskConfigText(text);
    for (const secret of ['sk-proj-abcdefghijklmnop1234', 'short', '0123456789abcdefgh', 'AKIAABCDEFGHIJKLMNOP', 'hunter2-hunter2', 'sk-bf-virtual-0123456789'])
      assert.ok(!masked.includes(secret), secret);
    assert.ok(
      masked.includes('"env.OPENAI_API_KEY"') &&
        masked.includes('"env.AWS_SECRET"') &&
        masked.includes('"X-Team": "blue"') &&
        masked.includes('"env.PG_PASSWORD"'),
    );
    assert.equal(masked.split('\n').length, text.split('\n').length);
  });

  it('restores masked values from the file at the same path, byte for byte; refuses one that matches nothing', () => {
    const masked = maskConfigText(text);
    assert.deepEqual(unmaskConfigText(masked, text), { ok: true, text });
    const edited = masked.replace('"weight": 1', '"weight": 2');
    assert.deepEqual(unmaskConfigText(edited, text), { ok: true, text: text.replace('"weight": 1', '"weight": 2') });
    const moved = masked.replace('"env.OPENAI_API_KEY"', '"sk-p…1234"');
    assert.deepEqual(unmaskConfigText(moved, text), { ok: false, paths: ['providers.openai.keys[1].value'] });
    const retyped = masked.replace('"sk-p…1234"', '"sk-new-key-0000000000000000"');
    assert.deepEqual(unmaskConfigText(retyped, text), { ok: true, text: text.replace('sk-proj-abcdefghijklmnop1234', 'sk-new-key-0000000000000000') });
  });
});
