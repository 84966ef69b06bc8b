import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMPOSE, docker, runCommand } from './run-command.js';
import type { BaseImages } from './base-images.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** One gateway container as Docker reports it. */
export interface GatewayNode {
  id: string;
  name: string;
  /** The node's os.hostname(): what it puts in `x-gateway-node`. */
  hostname: string;
  startedAt: string;
  running: boolean;
  health: string;
  ip: string;
  restartCount: number;
  /** The id of the image the container was created from. */
  image: string;
}

/**
 * The project's docker-compose.yml (plus the socket-proxy override and the test-only override)
 * under a unique project name, with a temp copy of the config directory and a control directory.
 */
export class Cluster {
  readonly project: string;
  readonly tag: string;
  readonly configDir: string;
  readonly controlDir: string;
  /** Mounted at /run/secrets in the nodes (SECRETS_DIR): one file per secret. */
  readonly secretsDir: string;
  private readonly workDir: string;
  nginxUrl = '';
  /** Extra environment for compose (and scripts run with it), e.g. a rotated secret. */
  readonly extraEnv: Record<string, string> = {};
  reloaderUrl = '';
  upstreamUrl = '';

  /** `workDir` is given only to attach to a cluster left running by an earlier (development) run. */
  constructor(
    readonly runId: string,
    private readonly base: BaseImages,
    workDir?: string,
  ) {
    this.project = `aigwe2e${runId}`;
    this.tag = `e2e-${runId}`;
    this.workDir = workDir ?? mkdtempSync(join(tmpdir(), 'ai-gateway-e2e-'));
    this.configDir = join(this.workDir, 'config');
    this.controlDir = join(this.workDir, 'control');
    mkdirSync(this.configDir, { recursive: true, mode: 0o755 });
    mkdirSync(this.controlDir, { recursive: true, mode: 0o755 });
    this.secretsDir = join(this.workDir, 'secrets');
    mkdirSync(this.secretsDir, { recursive: true, mode: 0o755 });
  }

  /** Writes a secret file the nodes (uid 1000) can read; a node reads it on its next start. */
  writeSecret(name: string, value: string): void {
    writeFileSync(join(this.secretsDir, name), `${value}\n`, { mode: 0o644 });
  }

  /** POST /rollout on the reloader: every node restarted, one at a time (admin credentials once configured). */
  async requestRollout(authorization?: string): Promise<number> {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const res = await fetch(`${this.reloaderUrl}/rollout`, { method: 'POST', headers, signal: AbortSignal.timeout(10_000) });
    return res.status;
  }

  /** Where the config and control directories live. */
  get directory(): string {
    return this.workDir;
  }

  /** The compose files, in order. */
  get files(): string[] {
    return ['docker-compose.yml', 'docker-compose.socket-proxy.yml', 'test/e2e/docker-compose.e2e.yml'];
  }

  /** Runs docker-compose for this project from the repository root. */
  compose(args: readonly string[], timeoutMs = 5 * 60_000): Promise<string> {
    const fileArgs = this.files.flatMap((f) => ['-f', f]);
    return runCommand(COMPOSE, ['-p', this.project, ...fileArgs, ...args], { cwd: REPO_ROOT, env: this.env(), timeoutMs });
  }

  /**
   * Gives the gateway image a new id under the same name, as `docker compose build gateway` or
   * a `pull` of a new release would (a layer that changes nothing but a label). Returns the ids.
   */
  async buildNewGatewayImage(label: string): Promise<{ oldId: string; newId: string }> {
    const image = `ai-gateway/gateway:${this.tag}`;
    const oldId = (await docker(['image', 'inspect', '-f', '{{.Id}}', image])).trim();
    const context = join(this.workDir, 'upgrade-image');
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, 'Dockerfile'), `FROM ${image}\nLABEL ai-gateway-e2e.upgrade="${label}"\n`);
    await docker(['build', '-q', '-t', image, context], { timeoutMs: 5 * 60_000 });
    const newId = (await docker(['image', 'inspect', '-f', '{{.Id}}', image])).trim();
    return { oldId, newId };
  }

  /** Runs scripts/rolling-replace.sh against this project (compose's options as its arguments). */
  rollingReplace(timeoutMs = 10 * 60_000): Promise<string> {
    const args = ['-p', this.project, ...this.files.flatMap((f) => ['-f', f])];
    const env = { ...this.env(), COMPOSE: COMPOSE, RELOADER_URL: this.reloaderUrl };
    return runCommand('sh', ['scripts/rolling-replace.sh', ...args], { cwd: REPO_ROOT, env, timeoutMs });
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_IMAGE: this.base.node,
      NGINX_IMAGE: this.base.nginx,
      POSTGRES_IMAGE: this.base.postgres,
      // The request-log database's password (compose requires one); a throw-away cluster's.
      POSTGRES_PASSWORD: 'e2e-logs-password',
      E2E_NODE_IMAGE: this.base.node,
      AI_GATEWAY_TAG: this.tag,
      CONFIG_DIR: this.configDir,
      E2E_CONTROL_DIR: this.controlDir,
      SECRETS_DIR: this.secretsDir,
      GATEWAY_PORT: '127.0.0.1:0',
      RELOADER_PORT: '0',
      COMPOSE_DOCKER_CLI_BUILD: '0',
    };
    Object.assign(env, this.extraEnv);
    delete env.COMPOSE_FILE;
    delete env.COMPOSE_PROJECT_NAME;
    return env;
  }

  /** Writes config.json in place (same inode), as `echo > file` or an editor without backup does. */
  writeConfigInPlace(config: unknown): void {
    writeFileSync(join(this.configDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Writes raw text in place (for invalid edits). */
  writeConfigText(text: string): void {
    writeFileSync(join(this.configDir, 'config.json'), text);
  }

  /** Saves like vim/VS Code: write a new file beside it, then rename it over the old one (new inode). */
  async saveConfigByRename(config: unknown): Promise<void> {
    const temp = join(this.configDir, '.config.json.swp');
    writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`);
    await runCommand('mv', ['-f', temp, join(this.configDir, 'config.json')]);
  }

  /** Builds the project's images and starts the cluster; resolves the published URLs. */
  async up(log: (line: string) => void): Promise<void> {
    log(`building images (tag ${this.tag})`);
    await this.compose(['build'], 20 * 60_000);
    log(`starting project ${this.project}`);
    await this.compose(['up', '-d']);
    log('resolving published ports');
    await this.resolveUrls();
  }

  /** Finds the published loopback ports of nginx, the reloader and the upstream. */
  async resolveUrls(): Promise<void> {
    this.nginxUrl = `http://${await this.publishedAddress('nginx', 8080)}`;
    this.reloaderUrl = `http://${await this.publishedAddress('reloader', 9090)}`;
    this.upstreamUrl = `http://${await this.publishedAddress('upstream', 9000)}`;
  }

  private async publishedAddress(service: string, port: number): Promise<string> {
    const out = (await this.compose(['port', service, String(port)])).trim();
    return out.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  }

  /** Container ids of a service (including stopped ones). */
  async containerIds(service: string): Promise<string[]> {
    const out = await this.compose(['ps', '-q', service]);
    return out
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** The gateway containers, ordered by name. */
  async gatewayNodes(): Promise<GatewayNode[]> {
    const ids = await this.containerIds('gateway');
    if (ids.length === 0) return [];
    const inspected = JSON.parse(await docker(['inspect', ...ids])) as DockerInspect[];
    return inspected
      .map((c) => ({
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        hostname: c.Config.Hostname,
        startedAt: c.State.StartedAt,
        running: c.State.Running,
        health: c.State.Health?.Status ?? 'none',
        ip: Object.values(c.NetworkSettings.Networks)[0]?.IPAddress ?? '',
        restartCount: c.RestartCount,
        image: c.Image,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The reloader's GET /status. */
  async reloaderStatus(): Promise<ReloaderStatusView> {
    // Always with a deadline: Node 20's fetch never settles when docker-proxy accepts a
    // connection and closes it because the container does not listen yet.
    const res = await fetch(`${this.reloaderUrl}/status`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`reloader /status answered ${res.status}`);
    return (await res.json()) as ReloaderStatusView;
  }

  /** Every chat request the upstream received so far. */
  async upstreamRecords(): Promise<UpstreamRecord[]> {
    const res = await fetch(`${this.upstreamUrl}/_requests`, { signal: AbortSignal.timeout(30_000) });
    return (await res.json()) as UpstreamRecord[];
  }

  /** The last lines of a service's logs, for failure messages. */
  async logs(service: string, lines = 60): Promise<string> {
    return this.compose(['logs', '--no-color', '--tail', String(lines), service]).catch((e: Error) => e.message);
  }

  /** Removes every container, network, volume and image this run made, and the temp dirs. */
  async down(): Promise<void> {
    const label = `label=com.docker.compose.project=${this.project}`;
    // Containers the tests started on the project's network first, or the network stays in use.
    const extra = (await docker(['ps', '-aq', '--filter', label, '--filter', 'label=ai-gateway-e2e.role']).catch(() => '')).split('\n').filter(Boolean);
    if (extra.length > 0) await docker(['rm', '-f', '-v', ...extra]).catch(() => undefined);
    await this.compose(['down', '-v', '--remove-orphans', '-t', '5']).catch(() => undefined);
    const leftovers = async (kind: 'ps' | 'network' | 'volume') =>
      (await docker(kind === 'ps' ? ['ps', '-aq', '--filter', label] : [kind, 'ls', '-q', '--filter', label]).catch(() => '')).split('\n').filter(Boolean);
    const containers = await leftovers('ps');
    if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers]).catch(() => undefined);
    const networks = await leftovers('network');
    if (networks.length > 0) await docker(['network', 'rm', ...networks]).catch(() => undefined);
    const volumes = await leftovers('volume');
    if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes]).catch(() => undefined);
    const images = ['gateway', 'reloader', 'nginx', 'postgres'].map((name) => `ai-gateway/${name}:${this.tag}`);
    await docker(['image', 'rm', '-f', ...images]).catch(() => undefined);
    // The classic builder (Compose 1.29) keeps each build's first stage as a dangling image of
    // ~440 MB. Keep the newest, the next run's build cache; remove the older ones.
    const stages = (await docker(['images', '-q', '--filter', 'dangling=true', '--filter', 'label=ai-gateway.stage=build']).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    if (stages.length > 1) await docker(['image', 'rm', ...stages.slice(1)]).catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

interface DockerInspect {
  Id: string;
  Image: string;
  Name: string;
  RestartCount: number;
  Config: { Hostname: string };
  State: { Running: boolean; StartedAt: string; Health?: { Status: string } };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

/** The parts of the reloader's /status the tests read. */
export interface ReloaderStatusView {
  config: {
    fingerprint: string | null;
    valid: boolean;
    state: string;
    issues: Array<{ path?: string; message: string }>;
    error?: string;
    target_fingerprint: string | null;
  };
  nodes: Array<{
    name: string;
    id: string;
    health: string;
    docker_health: string;
    fingerprint: string | null;
    up_to_date: boolean;
    ip: string | null;
    in_rotation: boolean;
    in_flight: number | null;
    /** Where a rollout's restart of this node is (`draining`, `stopped`, ...), else null. */
    rollout_phase: string | null;
  }>;
  rotation: { generation: number; servers: Array<{ ip: string }> };
  rollouts: { current: unknown; previous: Array<Record<string, unknown>> };
  halted: { fingerprint: string; node: string; cause?: string; reason: string } | null;
}

/** One chat request as the upstream recorded it. */
export interface UpstreamRecord {
  seq: number;
  at: number;
  path: string;
  request_id: string | null;
  marker: string | null;
  model: string;
  stream: boolean;
  key: string;
}
