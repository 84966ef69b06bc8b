import assert from 'node:assert/strict';
import { LeavingNodes } from '../../../reloader/controller/leaving-nodes.js';
import type { ObservedNode } from '../../../reloader/rollout/node.js';

function observed(id: string, running: boolean, status?: string): ObservedNode {
  return {
    id,
    name: id,
    number: 1,
    running,
    dockerHealth: 'healthy',
    ip: '10.0.0.1',
    health: status === undefined ? { reachable: false } : { reachable: true, status, fingerprint: 'sha256:x', inFlight: 0 },
  };
}

describe('LeavingNodes', () => {
  it('holds a node from its kill or stop event until it starts again', () => {
    const leaving = new LeavingNodes();
    leaving.note({ id: 'a', what: 'leaving' });
    leaving.note({ id: 'a', what: 'gone' });
    leaving.reconcile([observed('a', true)]); // still exiting
    assert.deepEqual([...leaving.ids()], ['a']);
    leaving.note({ id: 'a', what: 'started' });
    assert.deepEqual([...leaving.ids()], []);
  });

  it('forgets a node that no longer runs or is gone, and one still serving ok well after the signal', () => {
    let now = 0;
    const leaving = new LeavingNodes(() => now);
    for (const id of ['exited', 'removed', 'survivor']) leaving.note({ id, what: 'leaving' });
    leaving.reconcile([observed('exited', false), observed('survivor', true, 'ok')]);
    assert.deepEqual([...leaving.ids()], ['survivor'], 'ok right after the signal may predate it');
    now = 11_000;
    leaving.reconcile([observed('survivor', true, 'draining')]);
    assert.deepEqual([...leaving.ids()], ['survivor'], 'draining: still leaving');
    leaving.reconcile([observed('survivor', true, 'ok')]);
    assert.deepEqual([...leaving.ids()], []);
  });
});
