/**
 * The drain deadline is one value end to end (shared/drain-deadline.ts): what the reloader
 * waits for a node's requests, the node's own SIGTERM deadline, and above both, the time
 * Docker gives a stopped node before SIGKILL. These read the deployment files as shipped, with
 * the defaults a user gets from an empty .env.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readNodeEnv } from '../../gateway/node-env.js';
import { readSettings } from '../../reloader/settings.js';
import { DEFAULT_DRAIN_DEADLINE_MS } from '../../shared/drain-deadline.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
type Service = { environment?: Record<string, string>; stop_grace_period?: string; init?: boolean };

function services(file: string): Record<string, Service> {
  return (parse(readFileSync(join(ROOT, file), 'utf8')) as { services: Record<string, Service> }).services;
}

/** A compose value with each `${NAME:-default}` replaced by its default (what an empty .env gives). */
function withDefaults(value: string | undefined): string {
  assert.ok(value !== undefined, 'the setting is present');
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

/** Compose's duration (`620s`, `10m20s`) in seconds. */
function durationS(value: string | undefined): number {
  const text = withDefaults(value);
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  assert.ok(match && text !== '', `a duration: ${text}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

describe('the drain deadline, end to end', () => {
  it("compose and swarm run the node processes under Docker's init: a stop while one starts is never lost to PID 1", () => {
    // Without it, `docker stop` of a node still loading waits out the whole stop_grace_period.
    for (const file of ['docker-compose.yml', 'docker-stack.yml']) {
      const { gateway, reloader } = services(file);
      assert.equal(gateway?.init, true, `${file}: gateway`);
      assert.equal(reloader?.init, true, `${file}: reloader`);
    }
  });

  it('is minutes by default, the same for the reloader and the node, with a longer stop timeout', () => {
    assert.ok(DEFAULT_DRAIN_DEADLINE_MS >= 5 * 60_000, 'LLM calls of several minutes are normal');
    const reloader = readSettings({});
    const node = readNodeEnv({});
    assert.equal(reloader.drainTimeoutMs, DEFAULT_DRAIN_DEADLINE_MS);
    assert.ok(node.shutdownTimeoutMs >= reloader.drainTimeoutMs, "the node's own deadline is at least the reloader's wait");
    assert.ok(reloader.stopTimeoutS * 1000 > node.shutdownTimeoutMs, 'docker stop outlasts the node drain');
  });

  it('docker-compose.yml: one DRAIN_TIMEOUT_MS for the reloader and the nodes; Docker waits longer than both', () => {
    const { gateway, reloader } = services('docker-compose.yml');
    const nodeDeadline = gateway?.environment?.SHUTDOWN_TIMEOUT_MS;
    const reloaderWait = reloader?.environment?.RELOADER_DRAIN_TIMEOUT_MS;
    assert.equal(nodeDeadline, reloaderWait, 'raising the deadline in .env moves both');
    assert.equal(Number(withDefaults(nodeDeadline)), DEFAULT_DRAIN_DEADLINE_MS);
    const graceS = durationS(gateway?.stop_grace_period);
    assert.ok(graceS * 1000 > Number(withDefaults(nodeDeadline)), `stop_grace_period ${graceS} s above the drain deadline`);
    assert.equal(Number(withDefaults(reloader?.environment?.RELOADER_STOP_TIMEOUT_S)), graceS, "the reloader's docker stop gives what compose gives");
  });

  it('docker-stack.yml: the node deadline is the default, and the stop grace period above it, for the nodes and for nginx started first', () => {
    const { gateway, nginx } = services('docker-stack.yml');
    const deadline = Number(withDefaults(gateway?.environment?.SHUTDOWN_TIMEOUT_MS));
    assert.equal(deadline, DEFAULT_DRAIN_DEADLINE_MS);
    assert.ok(durationS(gateway?.stop_grace_period) * 1000 > deadline);
    // An nginx update must not cut a request a node is still allowed to finish.
    assert.equal((nginx as { deploy?: { update_config?: { order?: string } } } | undefined)?.deploy?.update_config?.order, 'start-first');
    assert.ok(durationS(nginx?.stop_grace_period) >= durationS(gateway?.stop_grace_period));
  });

  it('deploy/kubernetes: terminationGracePeriodSeconds covers preStop and the drain deadline', () => {
    const deployment = parse(readFileSync(join(ROOT, 'deploy/kubernetes/base/deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Array<{ name: string; env: Array<{ name: string; value: string }> }> } } };
    };
    const pod = deployment.spec.template.spec;
    const gateway = pod.containers.find((c) => c.name === 'gateway');
    const deadline = Number(gateway?.env.find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')?.value);
    assert.equal(deadline, DEFAULT_DRAIN_DEADLINE_MS);
    assert.ok(pod.terminationGracePeriodSeconds > 5 + deadline / 1000);
  });

  it('the shipped configs let a provider call run as long as the drain deadline, and no longer', () => {
    for (const file of ['config/config.json', 'deploy/kubernetes/base/config.json', 'deploy/kubernetes/overlays/example/config.json']) {
      const config = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as {
        providers: Record<string, { network_config?: { default_request_timeout_in_seconds?: number } }>;
      };
      const timeouts = Object.values(config.providers)
        .map((p) => p.network_config?.default_request_timeout_in_seconds)
        .filter((t): t is number => t !== undefined);
      assert.ok(timeouts.length > 0, `${file} sets a provider timeout`);
      for (const seconds of timeouts) assert.equal(seconds * 1000, DEFAULT_DRAIN_DEADLINE_MS, `${file}: ${seconds} s`);
    }
  });
});
