import type { Context, Next } from 'koa';
import { GatewayError } from '../../core/errors.js';
import type { Lifecycle } from '../../lifecycle/lifecycle.js';
import type { Logger } from '../../../shared/logger.js';
import { respondWithError } from './error-handler.js';

const ALWAYS_SERVED = new Set(['/health', '/metrics']);

/**
 * While the node drains, every new request except /health and /metrics is answered 503
 * (`draining`) with `Connection: close` before any work is done, so a load balancer can
 * safely re-send it to another node. During drain every response closes its connection.
 */
export function createDrainGate(lifecycle: Lifecycle, logger: Logger) {
  return async function gateWhileDraining(ctx: Context, next: Next): Promise<void> {
    if (!lifecycle.draining) return next();
    ctx.set('connection', 'close');
    if (ALWAYS_SERVED.has(ctx.path)) return next();
    respondWithError(ctx, new GatewayError('draining', 'this node is shutting down; retry on another node'), logger);
  };
}
