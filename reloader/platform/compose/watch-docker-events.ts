import type Docker from 'dockerode';
import type { Logger } from '../../../shared/logger.js';
import { LogEvent } from '../../observability/log-events.js';
import { PROJECT_LABEL, ROLE_LABEL, type Role } from './labels.js';
import type { ContainerEvent } from './docker-port.js';

/** The container actions that change what nginx should route to. */
export const WATCHED_ACTIONS = ['start', 'kill', 'stop', 'die', 'destroy', 'health_status'] as const;

/** Options of the Docker events watcher. */
export interface WatchDockerEventsOptions {
  docker: Docker;
  project: string;
  role: Role;
  logger: Logger;
  onEvent: (event: ContainerEvent) => void;
  /** Wait before reconnecting a stream that ended or failed (default 1 s). */
  reconnectMs?: number;
}

/**
 * Follows Docker's event stream for the project's containers of one role, and reconnects
 * whenever it ends or fails (the API restarting, a proxy's timeout). Every (re)connection
 * but the first is reported as a `resync` event: events may have been missed meanwhile, so
 * the listener looks at the whole cluster again. Returns a function that stops watching.
 */
export function watchDockerEvents(options: WatchDockerEventsOptions): () => void {
  const { docker, logger } = options;
  const reconnectMs = options.reconnectMs ?? 1000;
  let stopped = false;
  let current: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  let connections = 0;
  let failing = false;

  const reconnect = () => {
    current = undefined;
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, reconnectMs);
    timer.unref();
  };

  const connect = async () => {
    try {
      const stream = await docker.getEvents({
        filters: { type: ['container'], event: [...WATCHED_ACTIONS], label: [`${PROJECT_LABEL}=${options.project}`, `${ROLE_LABEL}=${options.role}`] },
      });
      if (stopped) return destroy(stream);
      current = stream;
      if (failing) logger.info({ event: LogEvent.dockerEventsConnected }, 'Docker event stream connected again');
      failing = false;
      if (connections++ > 0) options.onEvent({ id: '', action: 'resync' });
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const event = parseEvent(line);
          if (event) options.onEvent(event);
        }
      });
      stream.on('error', reconnect);
      stream.on('end', reconnect);
      stream.on('close', reconnect);
    } catch (error) {
      if (!failing)
        logger.warn(
          { event: LogEvent.dockerEventsFailed, err: (error as Error).message },
          'cannot follow Docker events; retrying every second (the periodic pass still runs)',
        );
      failing = true;
      reconnect();
    }
  };

  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (current) destroy(current);
  };
}

/** One line of Docker's event stream as a ContainerEvent, or undefined for anything else. */
export function parseEvent(line: string): ContainerEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const raw = JSON.parse(line) as { id?: unknown; Action?: unknown; status?: unknown; Actor?: { ID?: unknown } };
    const id = typeof raw.Actor?.ID === 'string' ? raw.Actor.ID : typeof raw.id === 'string' ? raw.id : '';
    const action = typeof raw.Action === 'string' ? raw.Action : typeof raw.status === 'string' ? raw.status : '';
    if (id === '' || action === '') return undefined;
    // "health_status: healthy" -> action health_status, detail healthy.
    const [name, detail] = action.split(':', 2).map((part) => part.trim());
    return { id, action: name ?? action, ...(detail ? { detail } : {}) };
  } catch {
    return undefined;
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
