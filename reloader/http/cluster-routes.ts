import type Router from '@koa/router';
import { type EventFeed, streamEvents } from './events.js';
import type { GuardState } from './guard.js';
import type { NodeMetricsCollector } from './node-metrics.js';
import type { ReloaderStatus } from './status.js';

/**
 * The cluster API for the page: GET /api/cluster (nodes with live rates, rotation, config
 * verdict), GET /api/rollouts (current, previous, halted), GET /api/events (SSE).
 */
export function addClusterRoutes(router: Router, status: () => ReloaderStatus, metrics: NodeMetricsCollector, feed: EventFeed): void {
  router.get('/api/cluster', async (ctx) => {
    const now = status();
    const rates = await metrics.collect(now.nodes);
    ctx.body = {
      config: now.config,
      // A node that does not answer /health has no live figures, whatever its last scrape said.
      nodes: now.nodes.map((node) => ({ ...node, metrics: node.health === 'unreachable' ? null : (rates.get(node.id) ?? null) })),
      rotation: now.rotation,
      halted: now.halted,
      waiting: now.waiting,
      manual_rollout: now.manual_rollout,
      docker: now.docker,
      rollout_running: now.rollouts.current !== null,
      access: { writable: (ctx.state as GuardState).writable, who: (ctx.state as GuardState).who ?? null },
    };
  });

  router.get('/api/rollouts', (ctx) => {
    const now = status();
    ctx.body = { current: now.rollouts.current, previous: now.rollouts.previous, halted: now.halted };
  });

  router.get('/api/events', (ctx) => {
    streamEvents(ctx, feed);
  });
}
