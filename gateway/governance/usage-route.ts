import type { Router } from '@koa/router';
import type { GovernanceRuntime } from './create-governance.js';

/**
 * GET /api/governance/usage: read-only, for the cluster's status page. Every node answers
 * the same (the counters are shared); ids, limits, usage and reset times only.
 */
export function registerGovernanceRoutes(router: Router, governance: GovernanceRuntime): void {
  router.get('/api/governance/usage', async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = await governance.report();
  });
}
