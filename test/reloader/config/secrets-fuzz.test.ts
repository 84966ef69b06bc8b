import assert from 'node:assert/strict';
import { knownSecretsOf, maskConfigText } from '../../../reloader/config/secrets.js';
import { brokenConfig, intactConfig, leakedSecret } from '../../support/hand-edit-breakages.js';

/**
 * Whatever a person half-types, maskConfigText must not show a secret. An earlier random run
 * found about 5 leaks in 40,000 cases, so this fixed set is that size (about 5 s): before the
 * scanner fixes it showed 756 leaks, now none. Rarer leaks found in a longer run (300,000 more
 * seeds) have their own cases in secrets.test.ts.
 */
const FUZZ_CASES = 40_000;

/**
 * Seeds past the fixed set where the scan alone still showed a piece of a secret (8 in 300,000:
 * two breakages on one line leaving quotes misaligned, a secret cut by a typed colon into what
 * reads as a property name). The editor masks those with the secrets of the file's last valid
 * version in mind.
 */
const SEEDS_THE_SCAN_MISSES = [95_140, 96_310, 118_392, 126_142, 128_533, 183_153, 228_122, 239_499];

describe('config secrets under random hand-edit breakages (seeded)', () => {
  it(`shows no secret in any of ${FUZZ_CASES} broken texts, and keeps their line count`, () => {
    const leaks: string[] = [];
    for (let seed = 1; seed <= FUZZ_CASES; seed++) {
      const text = brokenConfig(seed);
      const masked = maskConfigText(text);
      const secret = leakedSecret(masked);
      if (secret !== undefined) leaks.push(`seed ${seed}: ${secret}`);
      assert.equal(masked.split('\n').length, text.split('\n').length, `seed ${seed}: line count changed`);
    }
    assert.deepEqual(leaks, []);
  });

  it(`with the secrets of the last valid version known, shows none in ${FUZZ_CASES} further broken texts nor where the scan alone misses`, () => {
    const knownSecrets = knownSecretsOf(intactConfig());
    assert.ok(knownSecrets && knownSecrets.length === 6, 'every literal secret of the intact file is known');
    const leaks: string[] = [];
    const seeds = [...SEEDS_THE_SCAN_MISSES];
    for (let seed = FUZZ_CASES + 1; seed <= 2 * FUZZ_CASES; seed++) seeds.push(seed);
    for (const seed of seeds) {
      const text = brokenConfig(seed);
      const masked = maskConfigText(text, { knownSecrets });
      const secret = leakedSecret(masked);
      if (secret !== undefined) leaks.push(`seed ${seed}: ${secret}`);
      assert.equal(masked.split('\n').length, text.split('\n').length, `seed ${seed}: line count changed`);
    }
    assert.deepEqual(leaks, []);
  });
});
