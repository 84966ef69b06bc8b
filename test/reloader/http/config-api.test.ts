import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fingerprintOf } from '../../../shared/config/index.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, LITERAL_SECRET, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { call } from './http-call.js';

describe('config API', () => {
  let cp: ControlPlane;
  afterEach(async () => {
    await cp?.close();
  });

  it('GET /api/config: the text as written with literal secrets masked, the fingerprint of the real bytes, the verdict', async () => {
    cp = await startControlPlane();
    const answer = await call(cp, 'GET', '/api/config', { auth: cp.basic() });
    assert.equal(answer.status, 200);
    const body = answer.json as { text: string; fingerprint: string; valid: boolean; issues: unknown[]; writable: boolean };
    assert.equal(body.fingerprint, fingerprintOf(readFileSync(cp.path)));
    assert.equal(answer.headers.get('etag'), `"${body.fingerprint}"`);
    assert.equal(body.valid, true);
    assert.deepEqual(body.issues, []);
    assert.equal(body.writable, true);
    assert.ok(body.text.includes('"env.OPENAI_API_KEY"'), 'env references stay as written');
    assert.ok(body.text.includes('"env.TEST_ADMIN_PASSWORD"'));
    assert.ok(body.text.includes('"sk-l…wxyz"'), 'the literal key is masked 4+4');
    assert.ok(!body.text.includes(LITERAL_SECRET));
  });

  it('PUT with If-Match writes a valid edit atomically, keeps masked secrets, logs an audit line and records the history', async () => {
    cp = await startControlPlane();
    const before = readFileSync(cp.path, 'utf8');
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const edited = read.text.replace('"weight": 1', '"weight": 0.5');
    const answer = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: edited } });
    assert.equal(answer.status, 200, answer.text);
    const after = readFileSync(cp.path, 'utf8');
    assert.equal(after, before.replace('"weight": 1', '"weight": 0.5'), 'only the weight changed; the literal secret is the one on disk');
    assert.equal((answer.json as { fingerprint: string }).fingerprint, fingerprintOf(after));
    const audit = cp.records.find((r) => r.event === 'config-written');
    assert.ok(audit, 'an audit line');
    assert.equal(audit.who, 'admin');
    assert.equal(audit.from, read.fingerprint);
    assert.equal(audit.to, fingerprintOf(after));
    const history = (await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as {
      versions: Array<{ version: number; via: string; author: string; fingerprint: string }>;
    };
    assert.deepEqual(
      history.versions.map((v) => [v.version, v.via, v.author, v.fingerprint]),
      [
        [2, 'put', 'admin', fingerprintOf(after)],
        [1, 'hand-edit', 'file', read.fingerprint],
      ],
    );
  });

  it('428 without If-Match, 412 when the file was edited by hand between read and write (the hand edit stays)', async () => {
    cp = await startControlPlane();
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const noMatch = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), body: { text: read.text } });
    assert.equal(noMatch.status, 428);
    assert.equal((noMatch.json as { code: string }).code, 'PRECONDITION_REQUIRED');

    const handEdit = sampleConfig({ weight: 3 });
    writeFileSync(cp.path, handEdit);
    const stale = await call(cp, 'PUT', '/api/config', {
      auth: cp.basic(),
      ifMatch: read.fingerprint,
      body: { text: read.text.replace('"weight": 1', '"weight": 2') },
    });
    assert.equal(stale.status, 412);
    assert.equal((stale.json as { code: string }).code, 'CONFIG_CONFLICT');
    assert.equal((stale.json as { fingerprint: string }).fingerprint, fingerprintOf(handEdit));
    assert.equal(readFileSync(cp.path, 'utf8'), handEdit);
  });

  it('400 with every issue by path for an invalid edit; nothing written, no history', async () => {
    cp = await startControlPlane();
    const before = readFileSync(cp.path, 'utf8');
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const broken = read.text.replace('"weight": 1', '"weight": "heavy"').replace(/"models": \[\s*"gpt-4o-mini"\s*\]/, '"models": 7');
    const answer = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: broken } });
    assert.equal(answer.status, 400);
    const body = answer.json as { code: string; issues: Array<{ path: string; message: string }> };
    assert.equal(body.code, 'CONFIG_INVALID');
    assert.deepEqual(body.issues.map((i) => i.path).sort(), ['providers.openai.keys[0].weight', 'providers.openai.keys[1].models']);
    assert.equal(readFileSync(cp.path, 'utf8'), before);
    assert.deepEqual(((await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as { versions: unknown[] }).versions, []);

    const syntax = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: '{ "providers": ' } });
    assert.equal(syntax.status, 400);
    assert.equal((syntax.json as { issues: Array<{ path: string }> }).issues[0]?.path, '(file)');
    assert.equal(readFileSync(cp.path, 'utf8'), before);
  });

  it('POST /api/config/validate judges a candidate and writes nothing', async () => {
    cp = await startControlPlane();
    const before = readFileSync(cp.path, 'utf8');
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string };
    const ok = await call(cp, 'POST', '/api/config/validate', { auth: cp.basic(), body: { text: read.text } });
    assert.equal(ok.status, 200);
    assert.deepEqual({ ...(ok.json as object), unsupported: [] }, { valid: true, issues: [], unsupported: [] });
    const bad = await call(cp, 'POST', '/api/config/validate', { auth: cp.basic(), body: { text: read.text.replace('"weight": 1', '"weight": -1') } });
    assert.equal(bad.status, 200);
    assert.equal((bad.json as { valid: boolean }).valid, false);
    assert.equal((bad.json as { issues: Array<{ path: string }> }).issues[0]?.path, 'providers.openai.keys[0].weight');
    assert.equal(readFileSync(cp.path, 'utf8'), before);
  });

  it('a masked secret moved to another key cannot be restored: 400 SECRET_MASKED, nothing written', async () => {
    cp = await startControlPlane();
    const before = readFileSync(cp.path, 'utf8');
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const moved = read.text.replace('"env.OPENAI_API_KEY"', '"sk-l…wxyz"');
    const answer = await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: moved } });
    assert.equal(answer.status, 400);
    assert.equal((answer.json as { code: string }).code, 'SECRET_MASKED');
    assert.deepEqual(
      (answer.json as { issues: Array<{ path: string }> }).issues.map((i) => i.path),
      ['providers.openai.keys[0].value'],
    );
    assert.equal(readFileSync(cp.path, 'utf8'), before);
  });

  it('rollback restores an earlier version byte for byte (its masked secrets from the file); 404 for a version not kept', async () => {
    cp = await startControlPlane();
    const original = readFileSync(cp.path, 'utf8');
    let read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: read.text.replace('"weight": 1', '"weight": 2') } });
    read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    await call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: read.text.replace('"weight": 2', '"weight": 3') } });

    const answer = await call(cp, 'POST', '/api/config/rollback/1', { auth: cp.basic(), body: {} });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(readFileSync(cp.path, 'utf8'), original);
    const versions = (
      (await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as {
        versions: Array<{ version: number; via: string; restored_version?: number }>;
      }
    ).versions;
    assert.deepEqual(versions[0], { ...versions[0], version: 4, via: 'rollback', restored_version: 1 });

    const missing = await call(cp, 'POST', '/api/config/rollback/99', { auth: cp.basic(), body: {} });
    assert.equal(missing.status, 404);
    assert.equal((missing.json as { code: string }).code, 'VERSION_NOT_FOUND');
    const stale = await call(cp, 'POST', '/api/config/rollback/2', { auth: cp.basic(), ifMatch: read.fingerprint, body: {} });
    assert.equal(stale.status, 412);
  });

  it('the history is bounded: the oldest versions are dropped', async () => {
    cp = await startControlPlane();
    for (let weight = 2; weight <= 8; weight++) {
      const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
      const put = await call(cp, 'PUT', '/api/config', {
        auth: cp.basic(),
        ifMatch: read.fingerprint,
        body: { text: read.text.replace(/"weight": \d+/, `"weight": ${weight}`) },
      });
      assert.equal(put.status, 200, put.text);
    }
    const versions = ((await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as { versions: Array<{ version: number }> }).versions;
    assert.deepEqual(
      versions.map((v) => v.version),
      [8, 7, 6, 5, 4],
    );
  });

  it('a hand edit that is not valid JSON: GET /api/config (even read-only) shows its key masked, and no history version holds it', async () => {
    const key = 'sk-proj-REALSECRETabcdef123456';
    // A key pasted with single quotes: invalid JSON for the moment.
    const pasted = (text: string) => text.replace('"env.OPENAI_API_KEY"', `'${key}'`);

    cp = await startControlPlane({ text: sampleConfig({ auth: null }) });
    writeFileSync(cp.path, pasted(readFileSync(cp.path, 'utf8')));
    const readOnly = await call(cp, 'GET', '/api/config');
    assert.equal(readOnly.status, 200);
    assert.equal((readOnly.json as { valid: boolean }).valid, false);
    assert.ok(!readOnly.text.includes(key), readOnly.text);
    assert.ok((readOnly.json as { text: string }).text.includes("'sk-p…3456'"), 'masked as written, single quotes and all');
    await cp.close();

    cp = await startControlPlane();
    await call(cp, 'GET', '/api/config', { auth: cp.basic() }); // the credentials are read from the file while it parses
    const broken = pasted(readFileSync(cp.path, 'utf8'));
    writeFileSync(cp.path, broken);
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    assert.ok(!read.text.includes(key));
    // The admin fixes the quotes in the page and applies: the key is restored from the file.
    const put = await call(cp, 'PUT', '/api/config', {
      auth: cp.basic(),
      ifMatch: read.fingerprint,
      body: { text: read.text.replace("'sk-p…3456'", '"sk-p…3456"') },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(readFileSync(cp.path, 'utf8'), broken.replace(`'${key}'`, `"${key}"`));
    const versions = ((await call(cp, 'GET', '/api/config/history', { auth: cp.basic() })).json as { versions: Array<{ version: number; via: string }> })
      .versions;
    assert.deepEqual(
      versions.map((v) => v.via),
      ['put', 'hand-edit'],
    );
    for (const name of readdirSync(`${cp.dir}/.history`)) {
      assert.ok(!readFileSync(`${cp.dir}/.history/${name}`, 'utf8').includes(key), `${name} holds the key`);
    }
    const handEdit = await call(cp, 'GET', '/api/config/history/1', { auth: cp.basic() });
    assert.ok(!handEdit.text.includes(key) && handEdit.text.includes("'sk-p…3456'"), handEdit.text);
  });

  it('a hand edit that breaks a secret where the scan cannot tell it from a name: masked with the last valid version in mind', async () => {
    cp = await startControlPlane();
    const valid = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { valid: boolean };
    assert.equal(valid.valid, true);
    // A quote typed as an apostrophe and a colon typed into the key: the key now reads as a name.
    const broken = readFileSync(cp.path, 'utf8').replace(
      `"value": "${LITERAL_SECRET}"`,
      `"value': "${LITERAL_SECRET.slice(0, 26)}:${LITERAL_SECRET.slice(26)}"`,
    );
    writeFileSync(cp.path, broken);
    const read = await call(cp, 'GET', '/api/config', { auth: cp.basic() });
    assert.equal((read.json as { valid: boolean }).valid, false);
    const shown = (read.json as { text: string }).text;
    for (let at = 0; at + 6 <= LITERAL_SECRET.length; at++)
      assert.ok(!shown.includes(LITERAL_SECRET.slice(at, at + 6)), `shows "${LITERAL_SECRET.slice(at, at + 6)}"`);
    assert.equal(shown.split('\n').length, broken.split('\n').length, 'line numbers still match the issues');
  });

  it('a version kept by an older reloader, with secrets its rules missed, is masked again as the API reads it', async () => {
    cp = await startControlPlane();
    const secrets = ['sk-proj-REALSECRETabcdef123456', 'pr0xy-Pa55word', 'sk-bf-REALVIRTUAL0123'];
    // As an older reloader kept it: a hand edit it could not parse stored as written, a URL
    // credential and a virtual key it did not know were secrets, beside a key it did mask.
    const text = `{
  "providers": { "openai": { "keys": [{ "name": "a", "value": '${secrets[0]}' }, { "name": "b", "value": "sk-l…wxyz" }],
    "network_config": { "base_url": "https://bob:${secrets[1]}@proxy.internal/v1" } } },
  "governance": { "virtual_keys": [{ "id": "vk-1", "value": "${secrets[2]}" }] }
}`;
    const record = { version: 1, time: '2026-11-01T00:00:00.000Z', fingerprint: 'old', author: 'file', from_fingerprint: null, via: 'hand-edit', text };
    mkdirSync(`${cp.dir}/.history`, { recursive: true });
    writeFileSync(`${cp.dir}/.history/000001.json`, JSON.stringify(record, null, 2));
    const answer = await call(cp, 'GET', '/api/config/history/1', { auth: cp.basic() });
    assert.equal(answer.status, 200, answer.text);
    for (const secret of secrets) assert.ok(!answer.text.includes(secret), `${secret} shown: ${answer.text}`);
    const shown = (answer.json as { text: string }).text;
    assert.ok(shown.includes("'sk-p…3456'") && shown.includes('"sk-l…wxyz"') && shown.includes('"https://bob:…@proxy.internal/v1"'), shown);
    assert.equal(shown.split('\n').length, text.split('\n').length);
  });

  it('no secret in any answer, log line or history file: literal keys, the admin password, the token', async () => {
    cp = await startControlPlane({ token: ADMIN_TOKEN });
    const bodies: string[] = [];
    const keep = async (p: Promise<{ text: string }>) => bodies.push((await p).text);
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    await keep(call(cp, 'GET', '/api/config', { auth: `Bearer ${ADMIN_TOKEN}` }));
    await keep(
      call(cp, 'POST', '/api/config/validate', { auth: cp.basic(), body: { text: read.text.replace('"weight": 1', `"weight": "${LITERAL_SECRET}"`) } }),
    );
    await keep(
      call(cp, 'PUT', '/api/config', {
        auth: cp.basic(),
        ifMatch: read.fingerprint,
        body: { text: read.text.replace('"weight": 1', `"weight": "${LITERAL_SECRET}"`) },
      }),
    );
    await keep(
      call(cp, 'PUT', '/api/config', { auth: cp.basic(), ifMatch: read.fingerprint, body: { text: read.text.replace('"weight": 1', '"weight": 2') } }),
    );
    await keep(call(cp, 'GET', '/api/config/history', { auth: cp.basic() }));
    await keep(call(cp, 'GET', '/api/config/history/1', { auth: cp.basic() }));
    await keep(call(cp, 'GET', '/api/config/history/2', { auth: cp.basic() }));
    await keep(call(cp, 'POST', '/api/config/rollback/1', { auth: cp.basic(), body: {} }));
    await keep(call(cp, 'GET', '/api/cluster', { auth: cp.basic() }));
    await keep(call(cp, 'GET', '/api/rollouts', { auth: cp.basic() }));
    await keep(call(cp, 'GET', '/status'));
    await keep(call(cp, 'GET', '/api/config', { auth: cp.basic('admin', 'wrong') }));
    await keep(call(cp, 'GET', '/api/config', { auth: 'Bearer wrong-token' }));
    const logs = JSON.stringify(cp.records);
    const historyFiles = ['000001.json', '000002.json', '000003.json'].map((name) => readFileSync(`${cp.dir}/.history/${name}`, 'utf8')).join('\n');
    for (const secret of [LITERAL_SECRET, ADMIN_PASSWORD, ADMIN_TOKEN]) {
      for (const body of bodies) assert.ok(!body.includes(secret), `an answer holds a secret: ${body.slice(0, 200)}`);
      assert.ok(!logs.includes(secret), 'a log line holds a secret');
      assert.ok(!historyFiles.includes(secret), 'the history holds a secret');
    }
    assert.ok(readFileSync(cp.path, 'utf8').includes(LITERAL_SECRET), 'the file itself keeps its literal key');
  });
});
