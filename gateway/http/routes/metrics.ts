import type { RouteTable } from '../route-table.js';
import type { AppDeps } from '../app-deps.js';

/** GET /metrics: the Prometheus exposition of the node's registry. */
export function registerMetricsRoutes(router: RouteTable, deps: AppDeps): void {
  router.get('/metrics', async (ctx) => {
    ctx.set('content-type', deps.metrics.contentType);
    ctx.body = await deps.metrics.render();
  });
}
