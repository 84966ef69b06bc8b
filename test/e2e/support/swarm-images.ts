import { resolve } from 'node:path';
import type { BaseImages } from './base-images.js';
import { docker } from './run-command.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** The project's three images, built locally for a stack (Swarm cannot build). */
export interface StackImages {
  gateway: string;
  reloader: string;
  nginx: string;
}

/** The image names for `tag`. */
export function stackImageNames(tag: string): StackImages {
  return { gateway: `ai-gateway/gateway:${tag}`, reloader: `ai-gateway/reloader:${tag}`, nginx: `ai-gateway/nginx:${tag}` };
}

/**
 * Builds the project's Dockerfiles FROM the local base images. One after the other: the
 * gateway and reloader share their build stage, so the second build is a cache hit.
 */
export async function buildStackImages(tag: string, base: BaseImages, log: (line: string) => void): Promise<StackImages> {
  const images = stackImageNames(tag);
  const build = async (image: string, dockerfile: string, args: Record<string, string>) => {
    log(`building ${image}`);
    const buildArgs = Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await docker(['build', '-q', '-f', dockerfile, ...buildArgs, '-t', image, '.'], { cwd: REPO_ROOT, timeoutMs: 20 * 60_000 });
  };
  await build(images.gateway, 'gateway/Dockerfile', { NODE_IMAGE: base.node });
  await build(images.reloader, 'reloader/Dockerfile', { NODE_IMAGE: base.node });
  await build(images.nginx, 'nginx/Dockerfile', { NGINX_IMAGE: base.nginx });
  return images;
}

/** Removes the project images of `tag` (the base images are removed by removeBaseImages). */
export async function removeStackImages(images: StackImages): Promise<void> {
  await docker(['image', 'rm', '-f', images.gateway, images.reloader, images.nginx]).catch(() => undefined);
}
