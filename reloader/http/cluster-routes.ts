import type Router from '@koa/router';
import { ApiError } from '../errors.js';
import { type EventFeed, streamEvents } from './events.js';
import type { GuardState } from './guard.js';
import type { NodeMetricsCollector } from './node-metrics.js';
import type { ReloaderStatus } from './status.js';

/** GET /api/events streams open at once, by default (a page holds one). */
export const MAX_EVENT_STREAMS = 64;

/**
 * The cluster API for the page: GET /api/cluster (nodes with live rates, rotation, config
 * verdict), GET /api/rollouts (current, previous, halted), GET /api/events (SSE).
 */
export function addClusterRoutes(
  router: Router,
  status: () => ReloaderStatus,
  metrics: NodeMetricsCollector,
  feed: EventFeed,
  maxEventStreams = MAX_EVENT_STREAMS,
): void {
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
    // Each stream holds a socket and a listener for as long as the client stays: a bound, so
    // that a client opening streams in a loop cannot exhaust the reloader's sockets or memory.
    if (feed.size >= maxEventStreams) {
      ctx.set('Retry-After', '5');
      throw new ApiError('EVENTS_BUSY', `already ${maxEventStreams} live event streams open; close a tab or try again later`);
    }
    streamEvents(ctx, feed);
  });
}
