import assert from 'node:assert/strict';
import { sleepWithSignal } from '../../../gateway/core/sleep-with-signal.js';
import { Cancellation } from '../../../gateway/core/cancellation.js';

describe('sleepWithSignal', () => {
  it('rejects at once when the signal aborts', async () => {
    const controller = new Cancellation();
    const sleeping = sleepWithSignal(60_000, controller);
    controller.abort(new Error('client left'));
    await assert.rejects(sleeping, /client left/);
  });

  it('resolves after the wait', async () => {
    await sleepWithSignal(1, new Cancellation());
  });
});
