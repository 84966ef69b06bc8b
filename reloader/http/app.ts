import Router from '@koa/router';
import Koa from 'koa';
import type { ReloaderMetrics } from '../observability/metrics.js';
import type { ReloaderStatus } from './status.js';

/** What the HTTP interface reads and triggers. */
export interface HttpDeps {
  status: () => ReloaderStatus;
  requestRollout: () => 'started' | 'busy' | 'no-valid-config';
  metrics: ReloaderMetrics;
}

/** Builds the reloader's HTTP app (never listens): /health, /status, POST /rollout, /metrics. */
export function createReloaderApp(deps: HttpDeps): Koa {
  const app = new Koa();
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/status', (ctx) => {
    ctx.body = deps.status();
  });
  router.post('/rollout', (ctx) => {
    const outcome = deps.requestRollout();
    if (outcome !== 'started') {
      ctx.status = 409;
      ctx.body = {
        error: outcome === 'busy' ? 'a rollout is already running; see GET /status' : 'no valid config has been read yet; see GET /status',
      };
      return;
    }
    ctx.status = 202;
    ctx.body = { status: 'accepted', message: 'every node will be restarted one at a time; follow GET /status' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
