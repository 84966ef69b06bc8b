import type { RouteTable } from '../http/route-table.js';
import type { AdminCredentials } from '../../shared/config/index.js';
import { createAdminAuth } from '../http/middleware/admin-auth.js';
import type { GovernanceRuntime } from './create-governance.js';

/**
 * GET /api/governance/usage: read-only, for the cluster's status page. Every node answers
 * the same (the counters are shared); ids, limits, usage and reset times only. Behind the
 * admin credentials (governance.auth_config) when they are set, like the request log: usage
 * per virtual key tells who spends what.
 */
export function registerGovernanceRoutes(router: RouteTable, governance: GovernanceRuntime, adminAuth: AdminCredentials | undefined): void {
  router.get('/api/governance/usage', createAdminAuth(adminAuth), async (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = await governance.report();
  });
}
