import assert from 'node:assert/strict';
import { DockerUnavailableError, NotManagedError, ReloaderError, RotationError, SettingsError } from '../../reloader/errors.js';
import { readSettings } from '../../reloader/settings.js';

describe('reloader errors', () => {
  it('carry a stable code beside the message people read', () => {
    const cases: Array<[ReloaderError, string, string, RegExp]> = [
      [
        new NotManagedError('0123456789abcdef', 'gateway'),
        'NOT_MANAGED',
        'NotManagedError',
        /^container 0123456789ab is not a gateway of this project: refusing to touch it$/,
      ],
      [new DockerUnavailableError('stop'), 'DOCKER_UNAVAILABLE', 'DockerUnavailableError', /^Docker API unavailable during stop$/],
      [new RotationError('nginx did not show rotation generation 3'), 'ROTATION_TIMEOUT', 'RotationError', /generation 3/],
      [new SettingsError('RELOADER_PORT must be an integer >= 0, got "x"'), 'SETTINGS_INVALID', 'SettingsError', /RELOADER_PORT/],
    ];
    for (const [error, code, name, message] of cases) {
      assert.ok(error instanceof ReloaderError && error instanceof Error);
      assert.equal(error.code, code);
      assert.equal(error.name, name);
      assert.match(error.message, message);
    }
  });

  it('a bad setting is reported with its code', () => {
    assert.throws(
      () => readSettings({ RELOADER_POLLING: 'maybe' }),
      (e: unknown) => e instanceof SettingsError && e.code === 'SETTINGS_INVALID',
    );
  });
});
