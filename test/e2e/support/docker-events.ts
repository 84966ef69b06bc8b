import { docker } from './run-command.js';

/** One container event from `docker events`. */
export interface ContainerEvent {
  id: string;
  action: string;
  timeNano: number;
}

/** The gateway containers' events of a project between two instants (seconds since the epoch). */
export async function readGatewayEvents(project: string, since: number, until: number): Promise<ContainerEvent[]> {
  const out = await docker([
    'events',
    '--since', String(since),
    '--until', String(until),
    '--filter', 'type=container',
    '--filter', `label=com.docker.compose.project=${project}`,
    '--filter', 'label=ai-gateway.role=gateway',
    '--format', '{{json .}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; Action?: string; status?: string; timeNano: number })
    .map((e) => ({ id: e.id, action: e.Action ?? e.status ?? '', timeNano: e.timeNano }))
    .sort((a, b) => a.timeNano - b.timeNano);
}

/**
 * The most gateway containers that were out at the same moment, where a container is out from
 * Docker's `kill` (the stop's SIGTERM) until Docker reports it healthy again; plus the
 * containers that went out at all.
 */
export function measureNodesOut(events: readonly ContainerEvent[]): { maxOut: number; restarted: Set<string> } {
  const out = new Set<string>();
  const restarted = new Set<string>();
  let maxOut = 0;
  for (const event of events) {
    if (event.action === 'kill' || event.action === 'die') {
      out.add(event.id);
      restarted.add(event.id);
    } else if (event.action === 'health_status: healthy') {
      out.delete(event.id);
    }
    maxOut = Math.max(maxOut, out.size);
  }
  return { maxOut, restarted };
}
