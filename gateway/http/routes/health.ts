import type { RouteTable } from '../route-table.js';
import type { AppDeps } from '../app-deps.js';

/** GET /health: 200 while serving, 503 while draining; fingerprint, in-flight, node, uptime. */
export function registerHealthRoutes(router: RouteTable, deps: AppDeps): void {
  const { lifecycle, config, nodeName } = deps;
  router.get('/health', (ctx) => {
    ctx.status = lifecycle.draining ? 503 : 200;
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      status: lifecycle.state,
      config_fingerprint: config.fingerprint,
      in_flight: lifecycle.inFlight,
      node: nodeName,
      uptime_s: Math.round((Date.now() - lifecycle.startedAt) / 100) / 10,
    };
  });
}
