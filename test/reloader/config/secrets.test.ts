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

  it('masks only the credential of a URL, so a base_url still shows where it points, and restores it', () => {
    const withUrls = `{
  "providers": {
    "openai": { "keys": [], "network_config": { "base_url": "https://bob:pr0xy-Pa55word@proxy.internal:8443/v1" } },
    "gemini": { "keys": [], "network_config": { "base_url": "https://gemini.example/v1beta?alt=sse&key=AIzaREALSECRET123" } },
    "ollama": { "keys": [], "network_config": { "base_url": "http://ollama.internal:11434" } }
  }
}`;
    const masked = maskConfigText(withUrls);
    assert.ok(!masked.includes('pr0xy-Pa55word') && !masked.includes('REALSECRET'), masked);
    assert.ok(masked.includes('"https://bob:…@proxy.internal:8443/v1"'), masked);
    assert.ok(masked.includes('"https://gemini.example/v1beta?alt=sse&key=…"'), masked);
    assert.ok(masked.includes('"http://ollama.internal:11434"'), masked);
    assert.deepEqual(unmaskConfigText(masked, withUrls), { ok: true, text: withUrls });
    // Pointing the masked URL at another host is not restoring it: the password was for this one.
    const moved = masked.replace('proxy.internal', 'elsewhere.example');
    assert.deepEqual(unmaskConfigText(moved, withUrls), { ok: false, paths: ['providers.openai.network_config.base_url'] });
  });
});

describe('config secrets masked twice (a history version masked when saved, again when read)', () => {
  it('changes nothing already masked: the 4+4 a rollback matches against the file is kept', () => {
    const withUrl = text.replace('"env.PG_PASSWORD"', '"postgres://bf:pg-Pa55word-long@db/logs"');
    for (const original of [text, withUrl]) {
      const once = maskConfigText(original);
      assert.equal(maskConfigText(once), once);
      assert.deepEqual(unmaskConfigText(maskConfigText(once), original), { ok: true, text: original });
    }
  });
});

describe('config secrets in a file that is not valid JSON (a hand edit under way)', () => {
  const KEY = 'sk-proj-REALSECRETabcdef123456';
  const broken = (entry: string) => `{\n  "providers": {\n    "openai": {\n      "keys": ${entry}\n    }\n  }\n}\n`;

  it('masks the secret however the edit breaks the syntax around it', () => {
    const cases = [
      broken(`[{ "name": "main", "value": '${KEY}', "weight": 1 }]`), // single-quoted value
      broken(`[{ "name": "main", "value": ${KEY}, "weight": 1 }]`), // unquoted value
      broken(`[{ "name": "main", 'value': "${KEY}", "weight": 1 }]`), // single-quoted key
      broken(`[{ name: "main", value: "${KEY}", weight: 1 }]`), // unquoted keys
      broken(`{ "0": { "name": "main", "value": "${KEY}" } },`), // keys as an object, and a trailing comma
      broken(`[{ "name": "main" "value": "${KEY}" "weight": 1 }]`), // commas forgotten
      broken(`[{ "name": "main", "value" "${KEY}", "weight": 1 }]`), // colon forgotten
      broken(`[{ "name": "main", "value": "${KEY}, "weight": 1 }]`), // closing quote forgotten
      broken(`[{ "name": "main", "value": ${KEY}", "weight": 1 }]`), // opening quote forgotten
      broken(`[{ "name": "main", "Value": "${KEY}", "weight": 1 },]`), // a capital letter, a trailing comma
      broken(`[ "name": "main", "value": "${KEY}" }]`), // the entry's brace forgotten
      broken(`["${KEY}"],`), // a key written as a plain string
      `\uFEFF${broken(`[{ "value": '${KEY}' }]`)}`, // with a byte-order mark
      broken(`[{ "name": "main",\u00a0"value": "${KEY}" }],`), // a no-break space pasted from a web page
      broken(`[{ "name": "main", "value": "env.OPENAI_API_KEY" }] // was ${KEY}`), // a commented-out old key
      broken(`[{ "name": "main", /* old: "value": "${KEY}", */ "value": "env.OPENAI_API_KEY" }],`),
    ];
    for (const text of cases) {
      assert.ok(!maskConfigText(text).includes('REALSECRET'), `shown unmasked: ${maskConfigText(text)}`);
      assert.equal(maskConfigText(text).split('\n').length, text.split('\n').length, 'line numbers still match the issues');
    }
  });

  it('masks a value whose key name has a stray character typed into it, even in a text that is still valid JSON', () => {
    const typos = `{ "auth_config": { "admin_passwo'rd": "hunter2-x" }, "network_config": { "extra_h{eaders": { "Auth:orization": "Bearer REALSECRET" } },
  "bedrock_key_config": { "acc ess_key": "AKIAREALSECRET" } }`;
    assert.ok(!maskConfigText(typos).includes('hunter2') && !maskConfigText(typos).includes('REALSECRET'), maskConfigText(typos));
  });

  it('masks a secret after a stray closer that closed the root early (its key still names it)', () => {
    const text = `{ "auth_config": { "admin_username": "admin" } } },\n  "admin_password": "hunter2-x"\n}\n`;
    assert.ok(!maskConfigText(text).includes('hunter2'), maskConfigText(text));
  });

  it('masks the rest of a string a block comment closed inside (the secret, or the value of a key whose name was cut)', () => {
    const cases = [
      `{ "a": 1, /* "auth_config": {\n  "admin_password": "hun */ter2-x", "is_enabled": true }`, // closed inside the secret
      `{ "a": 1, /* "auth_config": {\n  "admin_pass */word": "hunter2-x", "is_enabled": true }`, // closed inside its key
      `{ "extra_headers": { /* "Authorization": "Bearer gw-tok */-REALSECRET", "X-Team": "blue" } }`, // on one line
    ];
    for (const text of cases) {
      const masked = maskConfigText(text);
      assert.ok(!masked.includes('ter2-x') && !masked.includes('hunter2') && !masked.includes('REALSECRET'), masked);
      assert.equal(masked.split('\n').length, text.split('\n').length);
    }
    // A comment closed outside any string leaves what follows to be read as usual.
    assert.ok(maskConfigText('{ /* "a": "b" */ "region": "us-east-1" }').includes('"us-east-1"'));
  });

  it('masks a secret after a stray closer typed between its key and its value', () => {
    const text = `{ "governance": { "auth_config":  "admin_username": "admin", "admin_password": }"hunter2-x", "is_enabled": true } } }`;
    assert.ok(!maskConfigText(text).includes('hunter2'), maskConfigText(text));
  });

  it('masks a value after a comment that swallowed its key or colon, and reads a key after a comment as a key', () => {
    const cases = [
      `{ "a": 1, /* "x": {\n  "admin_password": */ "hunter2-x", "is_enabled": true }`, // the key commented out
      `{ "a": 1, /* "x": {\n  "admin_password" */: "hunter2-x", "is_enabled": true }`, // the key, not its colon
      `{ "a": /* "x": 1,\n */ "admin_password": "hunter2-x" }`, // after a colon, a key still
      `{ "a": 1, "admin_password": // the old one was:\n "hunter2-x" }`,
    ];
    for (const text of cases) assert.ok(!maskConfigText(text).includes('hunter2'), maskConfigText(text));
  });

  it('realigns quotes after a deleted opening quote, and masks the rest of a value a typed comma or brace cut off', () => {
    const cases = [
      `{ "extra_headers": { Authorization": "Bearer gw-to,k-8Hq2Lz5Xv9Nc3Rb7Tm1K", "X-Team": "blue" } }`,
      `{ "auth_config": { "admin_username": "admin", admin_password": "hunter2-x:yz", "is_enabled": true } }`,
      `{ "extra_headers": { "Authorization": 'Bearer gw-tok-8Hq2Lz5Xv9}Nc3Rb7Tm1K", "X-Team": "blue" } }`,
    ];
    for (const text of cases) {
      const masked = maskConfigText(text);
      assert.ok(!/8Hq2Lz|Nc3Rb7|hunter2/.test(masked), masked);
    }
  });

  it('does not read a stray single quote and a later one as one string hiding the values between', () => {
    const text = `{ "anthropic": {\n ' "keys": [{ "name": "claude", "value": "sk-ant-api03-REALSECRET", 'models": ["claude"] }] } }`;
    assert.ok(!maskConfigText(text).includes('REALSECRET'), maskConfigText(text));
  });

  it('keeps the file readable for fixing: the secret masked in the style it is written, the rest and the error as they are', () => {
    const text = broken(`[{ "name": "main", "value": '${KEY}', "models": ["gpt-4o"], "weight": 1 }]`);
    assert.equal(maskConfigText(text), broken(`[{ "name": "main", "value": 'sk-p…3456', "models": ["gpt-4o"], "weight": 1 }]`));
    assert.equal(maskConfigText(broken(`[{ "value": ${KEY} }]`)), broken('[{ "value": sk-p…3456 }]'));
  });

  it('in a broken file, also masks any value long enough to be a key, wherever it is, but not a plain URL', () => {
    // The missing `{` leaves the header's structure a guess: its long value is masked anyway.
    const text = `{ "network_config": "extra_headers": { : "Authorization": "Bearer ${KEY}" }, "base_url": "https://api.openai.com/v1", "x": 'short' }`;
    const masked = maskConfigText(text);
    assert.ok(!masked.includes('REALSECRET'), masked);
    assert.ok(masked.includes('"https://api.openai.com/v1"') && masked.includes("'short'"), masked);
  });

  it('restores the secret from the broken file on disk once the text is fixed, as a JSON string', () => {
    const onDisk = broken(`[{ "name": "main", "value": '${KEY}', "weight": 1 }]`);
    const fixed = maskConfigText(onDisk).replace("'sk-p…3456'", '"sk-p…3456"');
    const restored = unmaskConfigText(fixed, onDisk);
    assert.deepEqual(restored, { ok: true, text: broken(`[{ "name": "main", "value": "${KEY}", "weight": 1 }]`) });
  });
});
