import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import type { Lifecycle } from '../../lifecycle/lifecycle.js';
import type { Logger } from '../../../shared/logger.js';
import { respondWithError } from './error-handler.js';

const ALWAYS_SERVED = new Set(['/health', '/metrics']);

/**
 * What a draining node does with a request that still reaches it:
 * - `refuse` (compose, where the reloader takes the node out of nginx's rotation before
 *   SIGTERM): answer 503 `draining` so nginx re-sends it to another node;
 * - `serve` (Swarm, Kubernetes: the platform removes the node from its VIP/endpoints at about
 *   the moment it sends SIGTERM, and requests already on a kept-alive connection keep coming
 *   for a moment with nowhere to be re-sent): do the work, and close the connection after.
 */
export type DrainMode = 'refuse' | 'serve';

/**
 * While the node drains, every response closes its connection; in `refuse` mode every new
 * request except /health and /metrics is answered 503 (`draining`) before any work is done,
 * so a load balancer can safely re-send it to another node. The step returns true when it
 * answered the request itself.
 */
export function createDrainStep(lifecycle: Lifecycle, logger: Logger, mode: DrainMode = 'refuse'): (ctx: Context) => boolean {
  return function gateWhileDraining(ctx: Context): boolean {
    if (!lifecycle.draining) return false;
    ctx.set('connection', 'close');
    if (mode === 'serve' || ALWAYS_SERVED.has(ctx.path)) return false;
    respondWithError(ctx, new GatewayError('draining', 'this node is shutting down; retry on another node'), logger);
    return true;
  };
}
