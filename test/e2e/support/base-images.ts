import { existsSync, mkdirSync, mkdtempSync, rmSync, cpSync, copyFileSync, writeFileSync, renameSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPostgresImage } from './postgres-base-image.js';
import { TEST_CACHE_DIR } from '../../support/test-cache-dir.js';
import { docker, runCommand } from './run-command.js';

/**
 * Local stand-ins for the official base images, built from this machine's packages because no
 * container registry is reachable here: Debian bookworm from debootstrap, plus this machine's
 * Node and npm (for NODE_IMAGE), plus Debian's nginx (for NGINX_IMAGE), plus Debian's postgresql
 * (for POSTGRES_IMAGE, see postgres-base-image.ts). The project's real
 * Dockerfiles are then built FROM these through their build arguments.
 */
export interface BaseImages {
  debian: string;
  node: string;
  nginx: string;
  postgres: string;
}

const ROOTFS_TARBALL = join(TEST_CACHE_DIR, 'bookworm-minbase.tar');
const HOST_CA_BUNDLE = process.env.E2E_CA_BUNDLE ?? '/etc/ssl/certs/ca-certificates.crt';

/** Builds the base images tagged with `tag`; the rootfs tarball is cached across runs. */
export async function buildBaseImages(tag: string, log: (line: string) => void): Promise<BaseImages> {
  const images: BaseImages = {
    debian: `ai-gateway-e2e/debian:${tag}`,
    node: `ai-gateway-e2e/node:${tag}`,
    nginx: `ai-gateway-e2e/nginx:${tag}`,
    postgres: `ai-gateway-e2e/postgres:${tag}`,
  };
  await ensureRootfsTarball(log);
  log(`importing ${ROOTFS_TARBALL} as ${images.debian}`);
  await docker(['import', ROOTFS_TARBALL, images.debian]);
  const work = mkdtempSync(join(tmpdir(), 'ai-gateway-e2e-base-'));
  try {
    await Promise.all([
      buildNodeImage(images, join(work, 'node'), log),
      buildNginxImage(images, join(work, 'nginx'), log),
      buildPostgresImage(images.debian, images.postgres, join(work, 'postgres'), log),
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return images;
}

/**
 * Removes the base images and every image built on them (the project's images, their untagged
 * build stages and intermediate layers); the rootfs tarball stays cached. Images are matched by
 * ancestry, so other builds on this engine are left alone.
 */
export async function removeBaseImages(images: BaseImages): Promise<void> {
  const rootId = (await docker(['image', 'inspect', '--format', '{{.Id}}', images.debian]).catch(() => '')).trim();
  if (rootId !== '') {
    const ids = (await docker(['images', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
    const parents = new Map<string, string>();
    if (ids.length > 0) {
      const lines = await docker(['image', 'inspect', '--format', '{{.Id}} {{.Parent}}', ...new Set(ids)]);
      for (const line of lines.split('\n').filter(Boolean)) {
        const [id, parent] = line.split(' ');
        if (id) parents.set(id, parent ?? '');
      }
    }
    const descends = (id: string): boolean => {
      for (let at: string | undefined = id, hops = 0; at && hops < 10_000; at = parents.get(at), hops += 1) {
        if (at === rootId) return true;
      }
      return false;
    };
    const ours = [...parents.keys()].filter(descends);
    const isParent = new Set(ours.map((id) => parents.get(id)));
    // Removing the leaves removes their untagged ancestors too.
    const leaves = ours.filter((id) => !isParent.has(id));
    if (leaves.length > 0) await docker(['image', 'rm', '-f', ...leaves]).catch(() => undefined);
  }
  for (const image of [images.node, images.nginx, images.postgres, images.debian]) {
    await docker(['image', 'rm', '-f', image]).catch(() => undefined);
  }
}

async function ensureRootfsTarball(log: (line: string) => void): Promise<void> {
  if (existsSync(ROOTFS_TARBALL)) return;
  mkdirSync(TEST_CACHE_DIR, { recursive: true });
  const dir = mkdtempSync(join(TEST_CACHE_DIR, 'rootfs-'));
  try {
    log(`debootstrap --variant=minbase bookworm (cached afterwards in ${TEST_CACHE_DIR})`);
    await runCommand('debootstrap', ['--variant=minbase', 'bookworm', dir, 'http://deb.debian.org/debian'], {
      timeoutMs: 15 * 60_000,
    });
    // Package caches only make the image bigger.
    for (const sub of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await runCommand('find', [join(dir, sub), '-type', 'f', '-delete']);
    }
    const partial = `${ROOTFS_TARBALL}.partial`;
    await runCommand('tar', ['-C', dir, '--numeric-owner', '-cf', partial, '.']);
    renameSync(partial, ROOTFS_TARBALL);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildNodeImage(images: BaseImages, context: string, log: (line: string) => void): Promise<void> {
  mkdirSync(context, { recursive: true });
  copyFileSync(realpathSync(process.execPath), join(context, 'node'));
  cpSync(findNpmDir(), join(context, 'npm'), { recursive: true });
  // The TLS-inspecting proxy's CA, so npm can reach the registry from builds. It goes into this
  // test-only base image; the project's Dockerfiles never see it.
  copyFileSync(HOST_CA_BUNDLE, join(context, 'ca.crt'));
  writeFileSync(
    join(context, 'Dockerfile'),
    [
      `FROM ${images.debian}`,
      'COPY node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'COPY ca.crt /usr/local/share/ai-gateway-e2e-ca.crt',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
      ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\',
      // Like the official image: a `node` user with uid 1000.
      ' && groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node',
      'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ai-gateway-e2e-ca.crt',
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  log(`building ${images.node} (this machine's node ${process.version})`);
  await docker(['build', '-q', '-t', images.node, context]);
}

async function buildNginxImage(images: BaseImages, context: string, log: (line: string) => void): Promise<void> {
  mkdirSync(context, { recursive: true });
  writeFileSync(
    join(context, 'Dockerfile'),
    [
      `FROM ${images.debian}`,
      'RUN apt-get update -q \\',
      ' && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx \\',
      ' && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*',
      'CMD ["nginx", "-g", "daemon off;"]',
      '',
    ].join('\n'),
  );
  log(`building ${images.nginx} (Debian's nginx)`);
  await docker(['build', '-q', '-t', images.nginx, context]);
}

function findNpmDir(): string {
  for (const candidate of ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm']) {
    if (existsSync(join(candidate, 'bin', 'npm-cli.js'))) return candidate;
  }
  throw new Error("npm not found next to this machine's node");
}
