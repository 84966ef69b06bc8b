import type Router from '@koa/router';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The page's files: a fixed list, so no request path ever reaches the file system. */
const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'diff.js': 'text/javascript; charset=utf-8',
  'cluster-view.js': 'text/javascript; charset=utf-8',
  'config-view.js': 'text/javascript; charset=utf-8',
  'governance-view.js': 'text/javascript; charset=utf-8',
  'logs-view.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * Where the page's files are: `public/` beside this module, in the source tree (tests, tsx)
 * and in dist/ (the build and the Dockerfile copy it there).
 */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** GET / (the page) and GET /assets/<file>: served from memory after the first read. */
export function addPageRoutes(router: Router, dir = PUBLIC_DIR): void {
  const cache = new Map<string, Buffer>();
  const load = async (name: string) => {
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = await readFile(dir + name);
      cache.set(name, bytes);
    }
    return bytes;
  };
  router.get('/', async (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await load('index.html');
  });
  router.get('/assets/:name', async (ctx) => {
    const name = ctx.params.name ?? '';
    // Own keys only: "constructor" or "__proto__" must not look like a file.
    if (!Object.hasOwn(ASSETS, name)) return;
    const type = ASSETS[name] as string;
    ctx.type = type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await load(name);
  });
}
