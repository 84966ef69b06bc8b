import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { docker } from './run-command.js';
import type { StackImages } from './swarm-images.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** One running task of a stack's service, as seen from this (single) node. */
export interface StackTask {
  id: string;
  slot: number;
  configName: string;
  container: string;
}

/**
 * docker-stack.yml plus the test-only additions on a single-node swarm that this class
 * creates (`docker swarm init`) and tears down (`docker swarm leave --force`), leaving the
 * engine as it was found.
 */
export class SwarmStack {
  readonly stack: string;
  readonly configDir: string;
  readonly controlDir: string;
  readonly gatewayPort: number;
  private readonly workDir: string;
  private createdGwBridge = false;
  private joined = false;

  constructor(
    runId: string,
    private readonly images: StackImages,
    private readonly nodeImage: string,
  ) {
    this.stack = `aigwswarm${runId}`;
    this.workDir = mkdtempSync(join(tmpdir(), 'ai-gateway-swarm-'));
    this.configDir = join(this.workDir, 'config');
    mkdirSync(this.configDir, { recursive: true, mode: 0o755 });
    this.controlDir = join(this.workDir, 'control');
    mkdirSync(this.controlDir, { recursive: true, mode: 0o755 });
    this.gatewayPort = 20_000 + Math.floor(Math.random() * 20_000);
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  /** `docker swarm init` on loopback; refuses to touch an engine that is already in a swarm. */
  async initSwarm(): Promise<void> {
    const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
    if (state !== 'inactive') throw new Error(`this engine is already in a swarm (${state}): refusing to take it over`);
    this.createdGwBridge = (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])).trim() === '';
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    this.joined = true;
  }

  /** Writes config.json (same inode). */
  writeConfig(text: string): void {
    writeFileSync(join(this.configDir, 'config.json'), text);
  }

  /**
   * Makes gateway nodes that start from now on with a config.json containing `configText` never
   * become healthy (undefined: start normally again). Only those: Swarm's rollback starts tasks
   * on the old config, which must come up.
   */
  setFailOnStart(configText: string | undefined): void {
    const file = join(this.controlDir, 'fail-on-start');
    if (configText !== undefined) writeFileSync(file, `config-contains:${configText}`);
    else rmSync(file, { force: true });
  }

  /** `docker stack deploy` from local images (no registry: --resolve-image never). */
  async deploy(configText: string): Promise<void> {
    this.writeConfig(configText);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AI_GATEWAY_REGISTRY: 'ai-gateway',
      AI_GATEWAY_TAG: this.images.gateway.split(':')[1],
      CONFIG_DIR: this.configDir,
      CONFIG_SHA12: sha12(configText),
      GATEWAY_PORT: String(this.gatewayPort),
      GATEWAY_PUBLISH_MODE: 'host',
      E2E_NODE_IMAGE: this.nodeImage,
      E2E_CONTROL_DIR: this.controlDir,
      E2E_UPSTREAM_DIR: join(REPO_ROOT, 'test', 'e2e', 'upstream'),
    };
    await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', 'docker-stack.yml', '-c', 'test/e2e/docker-stack.e2e.yml', this.stack], {
      cwd: REPO_ROOT,
      env,
      timeoutMs: 120_000,
    });
  }

  /** The running tasks of a service of the stack with their containers (all on this node). */
  async runningTasks(service: string): Promise<StackTask[]> {
    const ids = (await docker(['service', 'ps', '-q', '--filter', 'desired-state=running', `${this.stack}_${service}`])).split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const out = await docker([
      'inspect',
      '--format',
      '{{.ID}} {{.Slot}} {{.Status.State}} {{.Status.ContainerStatus.ContainerID}} {{range .Spec.ContainerSpec.Configs}}{{.ConfigName}}{{end}}',
      ...ids,
    ]);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
      .filter(([, , state]) => state === 'running')
      .map(([id, slot, , container, configName]) => ({ id: id ?? '', slot: Number(slot), container: container ?? '', configName: configName ?? '' }));
  }

  /** The service's UpdateStatus.State ('' before any update) and the config its spec mounts. */
  async gatewayService(): Promise<{ updateState: string; configName: string }> {
    const out = await docker([
      'service',
      'inspect',
      '--format',
      '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}|{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}}{{end}}',
      `${this.stack}_gateway`,
    ]);
    const [updateState, configName] = out.trim().split('|');
    return { updateState: updateState ?? '', configName: configName ?? '' };
  }

  /** Names of every swarm config. */
  async configNames(): Promise<string[]> {
    return (await docker(['config', 'ls', '--format', '{{.Name}}'])).split('\n').filter(Boolean).sort();
  }

  /** GETs a URL from inside a container (overlay addresses are not reachable from the host). */
  async fetchInside(container: string, url: string): Promise<string> {
    const script = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t)).catch((e) => { console.error(e.message); process.exit(1); })`;
    return docker(['exec', container, 'node', '-e', script], { timeoutMs: 20_000 });
  }

  /** The last lines of a service's logs, for failure reports. */
  async serviceLogs(service: string, lines = 40): Promise<string> {
    return docker(['service', 'logs', '--raw', '--tail', String(lines), `${this.stack}_${service}`]).catch((e: Error) => e.message);
  }

  /** Removes the stack, waits for its containers to go, leaves the swarm, removes what swarm init created. */
  async teardown(): Promise<void> {
    // A swarm this run did not create is someone else's: leave it alone.
    if (!this.joined) {
      rmSync(this.workDir, { recursive: true, force: true });
      return;
    }
    await docker(['stack', 'rm', this.stack]).catch(() => undefined);
    const leftover = async () =>
      (await docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${this.stack}`]).catch(() => '')).split('\n').filter(Boolean);
    for (let i = 0; i < 60 && (await leftover()).length > 0; i++) await new Promise((r) => setTimeout(r, 1000));
    // A task still stopping after a minute (its grace period is the 10-minute drain deadline)
    // would outlive the swarm as an orphan container: remove it.
    const stragglers = await leftover();
    if (stragglers.length > 0) await docker(['rm', '-f', ...stragglers]).catch(() => undefined);
    // `swarm leave` can fail while the manager is still busy with the removal: retry until it is gone.
    for (let i = 0; i < 10; i++) {
      await docker(['swarm', 'leave', '--force']).catch(() => undefined);
      const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']).catch(() => '')).trim();
      if (state === 'inactive') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (this.createdGwBridge) await docker(['network', 'rm', 'docker_gwbridge']).catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** What the stack deploy command computes: `sha256sum config.json | cut -c1-12`. */
export function sha12(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
