import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkConfigFiles } from '../../../shared/config/check-config.js';

const VALID = JSON.stringify({ providers: { openai: { keys: [{ name: 'k', value: 'env.OPENAI_API_KEY', models: ['*'], weight: 1 }] } } });

describe('checkConfigFiles (npm run check-config)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('passes a valid file with its fingerprint', () => {
    const result = checkConfigFiles([file('ok.json', VALID)]);
    assert.equal(result.code, 0);
    assert.match(result.stdout[0] ?? '', /ok\.json: valid \(sha256:[0-9a-f]{12}\)/);
  });

  it('prints every issue with its path and exits 1', () => {
    const bad = JSON.stringify({
      providers: { openai: { keys: [{ name: 'k', value: 'x', models: ['*'], weight: 'heavy' }], network_config: { max_retries: -1 } } },
    });
    const result = checkConfigFiles([file('bad.json', bad)]);
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.some((l) => l.includes('providers.openai.keys[0].weight')),
      result.stderr.join('\n'),
    );
    assert.ok(result.stderr.length >= 2, result.stderr.join('\n'));
  });

  it('exits 2 for a file it cannot read, and without arguments', () => {
    assert.equal(checkConfigFiles([join(dir, 'missing.json')]).code, 2);
    assert.equal(checkConfigFiles([]).code, 2);
  });

  it('runs as a command with that exit code', async () => {
    const cli = resolve(import.meta.dirname, '../../../shared/config/check-config-cli.ts');
    const run = promisify(execFile);
    await run(process.execPath, ['--import', 'tsx', cli, file('ok.json', VALID)]);
    await assert.rejects(run(process.execPath, ['--import', 'tsx', cli, file('bad.json', '{ nope')]), (e: { code: number }) => e.code === 1);
  });
});
