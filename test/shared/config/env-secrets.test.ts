import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnvReference } from '../../../shared/config/env-secrets.js';

describe('resolveEnvReference with secret files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads env.NAME from the file NAME when the variable is unset or empty, without the trailing newline', () => {
    writeFileSync(join(dir, 'OPENAI_API_KEY'), 'sk-from-file\n');
    assert.deepEqual(resolveEnvReference('env.OPENAI_API_KEY', { SECRET_FILES_DIR: dir }), {
      value: 'sk-from-file',
      variable: 'OPENAI_API_KEY',
      missing: false,
    });
    assert.equal(
      resolveEnvReference('env.OPENAI_API_KEY', { SECRET_FILES_DIR: dir, OPENAI_API_KEY: '' }).value,
      'sk-from-file',
      'compose passes unset keys as empty',
    );
  });

  it('prefers a set variable, and reports a name found nowhere as missing', () => {
    writeFileSync(join(dir, 'OPENAI_API_KEY'), 'sk-from-file');
    assert.equal(resolveEnvReference('env.OPENAI_API_KEY', { SECRET_FILES_DIR: dir, OPENAI_API_KEY: 'sk-from-env' }).value, 'sk-from-env');
    assert.deepEqual(resolveEnvReference('env.NOT_THERE', { SECRET_FILES_DIR: dir }), { value: '', variable: 'NOT_THERE', missing: true });
  });
});
