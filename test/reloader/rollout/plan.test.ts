import assert from 'node:assert/strict';
import type { ObservedNode } from '../../../reloader/rollout/node.js';
import { planRollout } from '../../../reloader/rollout/plan.js';

const OLD = 'sha256:old';
const NEW = 'sha256:new';

function node(name: string, number: number, fingerprint: string, serving = true): ObservedNode {
  return {
    id: `id-${name}`,
    name,
    number,
    running: true,
    dockerHealth: serving ? 'healthy' : 'unhealthy',
    ip: `10.0.0.${number}`,
    health: serving ? { reachable: true, status: 'ok', fingerprint, inFlight: 0 } : { reachable: false },
  };
}

function restartedName(plan: ReturnType<typeof planRollout>): string {
  assert.equal(plan.kind, 'restart', JSON.stringify(plan));
  return plan.kind === 'restart' ? plan.node.name : '';
}

describe('planRollout', () => {
  it('orders by compose container number, then name, whatever the listing order', () => {
    const nodes = [node('b-10', 10, OLD), node('a-2', 2, OLD), node('z-1', 1, OLD)];
    const plan = planRollout({ nodes, desired: NEW });
    assert.equal(restartedName(plan), 'z-1');
    assert.deepEqual(plan.kind === 'restart' && [plan.position, plan.total], [1, 3]);
  });

  it('is done when every node runs the desired fingerprint', () => {
    assert.deepEqual(planRollout({ nodes: [node('g-1', 1, NEW), node('g-2', 2, NEW)], desired: NEW }), { kind: 'done' });
  });

  it('restarts up-to-date nodes too when they are forced (POST /rollout)', () => {
    const nodes = [node('g-1', 1, NEW), node('g-2', 2, NEW)];
    assert.equal(restartedName(planRollout({ nodes, desired: NEW, forced: new Set(['id-g-2']) })), 'g-2');
  });

  it('continues after the last restarted node and wraps around to nodes left on older content', () => {
    const nodes = [node('g-1', 1, OLD), node('g-2', 2, NEW), node('g-3', 3, OLD)];
    assert.equal(restartedName(planRollout({ nodes, desired: NEW, lastRestartedId: 'id-g-2' })), 'g-3');
    const later = [node('g-1', 1, OLD), node('g-2', 2, NEW), node('g-3', 3, NEW)];
    assert.equal(restartedName(planRollout({ nodes: later, desired: NEW, lastRestartedId: 'id-g-3' })), 'g-1');
  });

  it('begins with the node a halted rollout failed on', () => {
    const nodes = [node('g-1', 1, OLD), node('g-2', 2, OLD, false), node('g-3', 3, OLD)];
    assert.equal(restartedName(planRollout({ nodes, desired: NEW, failedNodeId: 'id-g-2' })), 'g-2');
  });

  it('never restarts the last serving node of several; an unhealthy node may go first', () => {
    const nodes = [node('g-1', 1, OLD), node('g-2', 2, OLD, false)];
    assert.equal(restartedName(planRollout({ nodes, desired: NEW })), 'g-2');
    const stopped: ObservedNode = { ...node('g-2', 2, NEW, false), running: false, ip: null };
    const onlyOneServes = [node('g-1', 1, OLD), stopped];
    const plan = planRollout({ nodes: onlyOneServes, desired: NEW });
    assert.equal(plan.kind, 'wait');
    assert.match(plan.kind === 'wait' ? plan.reason : '', /g-1 is the last healthy node/);
  });

  it('restarts a single node, flagged as the only one', () => {
    const plan = planRollout({ nodes: [node('solo', 1, OLD)], desired: NEW });
    assert.equal(restartedName(plan), 'solo');
    assert.equal(plan.kind === 'restart' && plan.onlyNode, true);
  });

  it('waits for a container that is still starting instead of restarting it', () => {
    const starting: ObservedNode = { ...node('g-2', 2, NEW), dockerHealth: 'starting', health: { reachable: false } };
    const plan = planRollout({ nodes: [node('g-1', 1, NEW), starting], desired: NEW });
    assert.equal(plan.kind, 'wait');
  });

  it('waits while a node is still booting, so two nodes are never out of rotation at once', () => {
    const booting: ObservedNode = { ...node('g-1', 1, NEW), dockerHealth: 'starting', health: { reachable: false } };
    const plan = planRollout({ nodes: [booting, node('g-2', 2, OLD), node('g-3', 3, OLD)], desired: NEW });
    assert.deepEqual(plan, { kind: 'wait', reason: 'waiting for g-1 to start' });
    const served: ObservedNode = { ...booting, dockerHealth: 'healthy', health: { reachable: true, status: 'ok', fingerprint: NEW, inFlight: 0 } };
    assert.equal(restartedName(planRollout({ nodes: [served, node('g-2', 2, OLD), node('g-3', 3, OLD)], desired: NEW })), 'g-2');
  });

  it('never restarts a node someone else is stopping, on an older file or not: its start would undo that stop', () => {
    const draining: ObservedNode = { ...node('g-2', 2, OLD), health: { reachable: true, status: 'draining', fingerprint: OLD, inFlight: 3 } };
    assert.deepEqual(planRollout({ nodes: [node('g-1', 1, NEW), draining], desired: NEW }), { kind: 'done' });
    // Listener closed, process exiting, Docker's checks failed meanwhile: only the stop event tells.
    const exiting = node('g-2', 2, OLD, false);
    assert.equal(restartedName(planRollout({ nodes: [node('g-1', 1, NEW), exiting], desired: NEW })), 'g-2', 'unhealthy and unknown: broken');
    const leaving = new Set(['id-g-2']);
    assert.deepEqual(planRollout({ nodes: [node('g-1', 1, NEW), exiting], desired: NEW, leaving }), { kind: 'done' });
    assert.deepEqual(planRollout({ nodes: [node('g-1', 1, NEW), exiting], desired: NEW, leaving, forced: new Set(['id-g-2']) }), { kind: 'done' });
    assert.equal(restartedName(planRollout({ nodes: [node('g-1', 1, NEW), exiting], desired: NEW, leaving, failedNodeId: 'id-g-2' })), 'g-2');
  });

  it('does not restart a node whose /health stopped answering while Docker still calls it healthy: its file is unknown', () => {
    const silent: ObservedNode = { ...node('g-2', 2, OLD), health: { reachable: false } };
    assert.deepEqual(planRollout({ nodes: [node('g-1', 1, NEW), silent], desired: NEW }), { kind: 'done' });
    const noCheck: ObservedNode = { ...silent, dockerHealth: 'none' };
    assert.equal(restartedName(planRollout({ nodes: [node('g-1', 1, NEW), noCheck], desired: NEW })), 'g-2', 'no health check: nothing else to go by');
  });
});
