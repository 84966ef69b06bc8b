import type { Context } from 'koa';
import type { ReloaderStatus } from './status.js';

/** One event of the live feed: its SSE `event:` name and its JSON data. */
export interface FeedEvent {
  event: 'step' | 'rollout' | 'node' | 'config';
  data: Record<string, unknown>;
}

/**
 * Turns two status snapshots into the events between them: each new step line of a rollout
 * (drain, stop, start, healthy, back in rotation), a rollout begun or ended, a node whose
 * health, fingerprint or rotation changed, a new config verdict. Pure, so it is tested alone.
 */
export function diffStatus(before: ReloaderStatus | undefined, after: ReloaderStatus): FeedEvent[] {
  const events: FeedEvent[] = [];
  if (!before || before.config.fingerprint !== after.config.fingerprint || before.config.state !== after.config.state) {
    if (before)
      events.push({
        event: 'config',
        data: { fingerprint: after.config.fingerprint, state: after.config.state, target_fingerprint: after.config.target_fingerprint },
      });
  }
  const seen = new Map<number, { lines: number; outcome: string }>();
  for (const record of [before?.rollouts.current, ...(before?.rollouts.previous ?? [])]) {
    if (record) seen.set(record.id, { lines: record.steps.reduce((n, s) => n + s.events.length, 0), outcome: record.outcome });
  }
  for (const record of [after.rollouts.current, ...after.rollouts.previous]) {
    if (!record || !before) continue;
    const known = seen.get(record.id);
    if (!known)
      events.push({
        event: 'rollout',
        data: { id: record.id, outcome: record.outcome, trigger: record.trigger, target_fingerprint: record.target_fingerprint },
      });
    let index = 0;
    for (const step of record.steps) {
      for (const line of step.events) {
        if (index++ >= (known?.lines ?? 0))
          events.push({ event: 'step', data: { rollout: record.id, node: step.node, phase: line.phase, message: line.message, at: line.at } });
      }
    }
    if (known && known.outcome !== record.outcome) {
      events.push({ event: 'rollout', data: { id: record.id, outcome: record.outcome, ...(record.reason ? { reason: record.reason } : {}) } });
    }
  }
  const nodeKey = (n: ReloaderStatus['nodes'][number]) => `${n.health}|${n.fingerprint}|${n.in_rotation}|${n.running}|${n.up_to_date}`;
  const previousNodes = new Map((before?.nodes ?? []).map((n) => [n.name, nodeKey(n)]));
  for (const node of after.nodes) {
    if (before && previousNodes.get(node.name) !== nodeKey(node)) {
      events.push({
        event: 'node',
        data: { name: node.name, health: node.health, fingerprint: node.fingerprint, in_rotation: node.in_rotation, up_to_date: node.up_to_date },
      });
    }
  }
  return events;
}

/**
 * The live feed behind GET /api/events: one ticker, whatever the number of listeners, that
 * reads the controller's status every `pollMs` and sends what changed. Reading in-process
 * state costs nothing, and the controller stays the one owner of the rollout state.
 */
export class EventFeed {
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  private timer: NodeJS.Timeout | undefined;
  private last: ReloaderStatus | undefined;

  constructor(
    private readonly status: () => ReloaderStatus,
    private readonly pollMs = 250,
  ) {}

  /** How many listeners (open streams) the feed has. */
  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener; returns its removal. */
  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.last = snapshot(this.status());
      this.timer = setInterval(() => this.tick(), this.pollMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private tick(): void {
    const now = snapshot(this.status());
    const events = diffStatus(this.last, now);
    this.last = now;
    for (const event of events) for (const listener of this.listeners) listener(event);
  }
}

// The history's records are mutated in place by a running rollout: keep a copy to diff against.
function snapshot(status: ReloaderStatus): ReloaderStatus {
  return structuredClone(status);
}

/**
 * Answers a request with the SSE stream of `feed` until the client goes away. Written to the
 * raw response (Koa steps aside): a client leaving is the normal end of an event stream,
 * not an error for Koa to report.
 */
export function streamEvents(ctx: Context, feed: EventFeed, heartbeatMs = 15_000): void {
  const res = ctx.res;
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.respond = false;
  // Headers set earlier by ctx.set (the security headers) are already on `res`.
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  res.write('retry: 2000\n: connected\n\n');
  const unsubscribe = feed.subscribe((event) => res.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`));
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  heartbeat.unref();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  ctx.req.once('close', end);
  res.once('close', end);
  res.once('error', end);
}
