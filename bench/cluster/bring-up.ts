import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildBaseImages, type BaseImages } from '../../test/e2e/support/base-images.js';
import { Cluster } from '../../test/e2e/support/cluster.js';
import { initialConfig, withoutRequestLog } from '../../test/e2e/support/e2e-config.js';
import { DOCKER, COMPOSE } from '../../test/e2e/support/run-command.js';

const run = promisify(execFile);
const BASE_TAG = process.env.BENCH_BASE_TAG ?? 'bench';
// The e2e tier's own tag: its images are the same recipe, and reusing them keeps Docker's build cache warm.
const SHARED_TAG = 'dev';

/** Why the cluster cannot be measured here, or undefined when Docker and compose answer. */
export async function checkDocker(): Promise<string | undefined> {
  try {
    await run(DOCKER, ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
  } catch (error) {
    return `no Docker engine answers (${(error as Error).message.split('\n')[0]})`;
  }
  try {
    await run(COMPOSE, ['version'], { timeout: 10_000 });
  } catch {
    return `${COMPOSE} is not installed`;
  }
  return undefined;
}

async function imageExists(image: string): Promise<boolean> {
  try {
    await run(DOCKER, ['image', 'inspect', image], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const imagesTagged = (tag: string): BaseImages => ({
  debian: `ai-gateway-e2e/debian:${tag}`,
  node: `ai-gateway-e2e/node:${tag}`,
  nginx: `ai-gateway-e2e/nginx:${tag}`,
  postgres: `ai-gateway-e2e/postgres:${tag}`,
});

/**
 * Reuses base images tagged BENCH_BASE_TAG ("bench") or the e2e tier's ("dev") when present,
 * else builds them with the e2e harness and keeps them: a stable base keeps Docker's layer
 * cache (npm ci) valid from one bench run to the next.
 */
export async function ensureBaseImages(log: (line: string) => void): Promise<BaseImages> {
  for (const tag of [BASE_TAG, SHARED_TAG]) {
    const images = imagesTagged(tag);
    const present = await Promise.all(Object.values(images).map(imageExists));
    if (present.every(Boolean)) {
      log(`reusing base images tagged ${tag}`);
      return images;
    }
  }
  return buildBaseImages(BASE_TAG, log);
}

/** Polls the reloader until `count` nodes run the current config and are all in nginx's rotation. */
export async function waitForConverged(cluster: Cluster, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no status yet';
  while (Date.now() < deadline) {
    try {
      const status = await cluster.reloaderStatus();
      const ready = status.nodes.filter((node) => node.up_to_date && node.in_rotation && node.health === 'ok');
      last = `${ready.length}/${status.nodes.length} nodes converged, rollout ${status.rollouts.current ? 'running' : 'idle'}`;
      if (ready.length === count && status.nodes.length === count && status.rollouts.current === null) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`cluster not converged after ${timeoutMs} ms: ${last}`);
}

async function publishedUrl(cluster: Cluster, service: string, port: number, timeoutMs: number): Promise<string> {
  const out = (await cluster.compose(['port', service, String(port)], timeoutMs)).trim();
  return `http://${out.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
}

/**
 * Builds and starts the project's compose cluster (three nodes, nginx, reloader, e2e upstream)
 * within `budgetMs`: a build still running then is killed and everything is torn down.
 */
export async function bringUpCluster(budgetMs: number, log: (line: string) => void): Promise<Cluster> {
  const deadline = Date.now() + budgetMs;
  const remaining = (): number => Math.max(1000, deadline - Date.now());
  const base = await ensureBaseImages(log);
  const cluster = new Cluster(`bench${Date.now().toString(36)}`, base);
  // Request logging off: its overhead is to be measured on its own (on versus off), not mixed into these figures.
  cluster.writeConfigInPlace(withoutRequestLog(initialConfig()));
  try {
    log(`building images (tag ${cluster.tag})`);
    await cluster.compose(['build'], remaining());
    log(`starting project ${cluster.project}`);
    await cluster.compose(['up', '-d'], remaining());
    cluster.nginxUrl = await publishedUrl(cluster, 'nginx', 8080, remaining());
    cluster.reloaderUrl = await publishedUrl(cluster, 'reloader', 9090, remaining());
    cluster.upstreamUrl = await publishedUrl(cluster, 'upstream', 9000, remaining());
    await waitForConverged(cluster, 3, remaining());
  } catch (error) {
    await cluster.down();
    throw error;
  }
  return cluster;
}
