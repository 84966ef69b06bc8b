import assert from 'node:assert/strict';
import { roundOrder } from '../../bench/phases.js';

/** Steps of the others between each pair of consecutive steps of `target`. */
function restsOf(target: string, steps: string[]): number[] {
  const places = steps.flatMap((step, index) => (step === target ? [index] : []));
  return places.slice(1).map((place, index) => place - (places[index] as number) - 1);
}

describe('roundOrder (the bench interleaves its targets)', () => {
  const targets = ['direct', 'off', 'governance', 'log'];
  const steps = (design: 'mirrored' | 'rotated', rounds: number): string[] =>
    Array.from({ length: rounds }, (_, index) => roundOrder(targets, index + 1, design)).flat();

  it('mirrored: as listed, then reversed', () => {
    assert.deepEqual(roundOrder(targets, 1, 'mirrored'), targets);
    assert.deepEqual(roundOrder(targets, 2, 'mirrored'), [...targets].reverse());
    assert.deepEqual(roundOrder(targets, 3), targets);
  });

  it('mirrored runs the last target twice in a row, which is why the shared-state phase rotates', () => {
    assert.deepEqual(restsOf('log', steps('mirrored', 4)), [0, 6, 0]);
    assert.deepEqual(restsOf('off', steps('mirrored', 4)), [4, 2, 4]);
  });

  it('rotated: each target takes each place once in as many rounds as targets', () => {
    const rounds = Array.from({ length: targets.length }, (_, index) => roundOrder(targets, index + 1, 'rotated'));
    for (const round of rounds) assert.deepEqual([...round].sort(), [...targets].sort());
    for (let place = 0; place < targets.length; place += 1) {
      assert.deepEqual(rounds.map((round) => round[place]).sort(), [...targets].sort(), `place ${place + 1}`);
    }
  });

  it('rotated: every target rests alike between its steps and none runs twice in a row', () => {
    // Two whole cycles of rests: eight gaps between nine steps of each target.
    const all = steps('rotated', 2 * targets.length + 1);
    const rests = targets.map((target) => restsOf(target, all).sort());
    for (const targetRests of rests) {
      assert.deepEqual(targetRests, rests[0]);
      assert.ok(Math.min(...targetRests) > 0);
    }
  });
});
