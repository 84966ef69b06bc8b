import assert from 'node:assert/strict';
import { diffStatus } from '../../../reloader/http/events.js';
import type { ReloaderStatus } from '../../../reloader/http/status.js';
import { readAdminToken, readSettings, SettingsError } from '../../../reloader/settings.js';

function status(
  patch: { steps?: Array<{ node: string; phases: string[] }>; outcome?: 'running' | 'complete'; health?: string; fingerprint?: string } = {},
): ReloaderStatus {
  const record = patch.steps
    ? {
        id: 1,
        trigger: 'config-change' as const,
        target_fingerprint: 'sha256:b',
        targets: ['sha256:b'],
        started_at: '2026-01-01T00:00:00Z',
        outcome: patch.outcome ?? ('running' as const),
        steps: patch.steps.map((s) => ({
          node: s.node,
          id: s.node,
          position: '1/1',
          target_fingerprint: 'sha256:b',
          started_at: '2026-01-01T00:00:00Z',
          outcome: 'running' as const,
          events: s.phases.map((phase) => ({ at: '2026-01-01T00:00:01Z', phase: phase as 'stopped', message: phase })),
        })),
      }
    : null;
  const running = record && record.outcome === 'running';
  return {
    config: {
      path: '/c',
      fingerprint: patch.fingerprint ?? 'sha256:b',
      valid: true,
      state: 'valid',
      issues: [],
      unsupported: [],
      checked_at: null,
      target_fingerprint: 'sha256:b',
    },
    nodes: [
      {
        name: 'gateway-1',
        id: 'x',
        running: true,
        docker_health: 'healthy',
        health: patch.health ?? 'ok',
        fingerprint: 'sha256:a',
        up_to_date: false,
        in_flight: 0,
        ip: '10.0.0.1',
        in_rotation: true,
        rollout_phase: null,
      },
    ],
    rotation: { generation: 1, servers: [], load_balancer: null },
    rollouts: { current: running ? record : null, previous: record && !running ? [record] : [] },
    halted: null,
    waiting: null,
    manual_rollout: null,
    docker: { reachable: true },
  };
}

describe('the live event feed', () => {
  it('sends each new step line once, a rollout begun and ended, node and config changes', () => {
    assert.deepEqual(diffStatus(undefined, status()), [], 'nothing on the first snapshot');
    const begun = diffStatus(status({ fingerprint: 'sha256:a' }), status({ steps: [{ node: 'gateway-1', phases: ['out-of-rotation'] }] }));
    assert.deepEqual(
      begun.map((e) => `${e.event}:${String(e.data.phase ?? e.data.outcome ?? e.data.state)}`),
      ['config:valid', 'rollout:running', 'step:out-of-rotation'],
    );
    const more = diffStatus(
      status({ steps: [{ node: 'gateway-1', phases: ['out-of-rotation'] }] }),
      status({ steps: [{ node: 'gateway-1', phases: ['out-of-rotation', 'stopped'] }], health: 'unreachable' }),
    );
    assert.deepEqual(
      more.map((e) => `${e.event}:${String(e.data.phase ?? e.data.health)}`),
      ['step:stopped', 'node:unreachable'],
    );
    const ended = diffStatus(
      status({ steps: [{ node: 'gateway-1', phases: ['stopped'] }] }),
      status({ steps: [{ node: 'gateway-1', phases: ['stopped'] }], outcome: 'complete' }),
    );
    assert.deepEqual(
      ended.map((e) => `${e.event}:${String(e.data.outcome)}`),
      ['rollout:complete'],
    );
  });
});

describe('readAdminToken', () => {
  it('is undefined when unset or blank, refuses a short token, and is never part of the logged settings', () => {
    assert.equal(readAdminToken({}), undefined);
    assert.equal(readAdminToken({ RELOADER_ADMIN_TOKEN: '  ' }), undefined);
    assert.equal(readAdminToken({ RELOADER_ADMIN_TOKEN: 'x'.repeat(16) }), 'x'.repeat(16));
    assert.throws(() => readAdminToken({ RELOADER_ADMIN_TOKEN: 'short' }), SettingsError);
    assert.ok(!JSON.stringify(readSettings({ RELOADER_ADMIN_TOKEN: 'tok-'.repeat(8) })).includes('tok-'));
  });
});
