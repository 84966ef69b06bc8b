import { spawn, type ChildProcess } from 'node:child_process';
import { DOCKER } from './run-command.js';

/** One gateway container event from `docker events`. */
export interface ContainerEvent {
  id: string;
  action: string;
  timeNano: number;
}

/**
 * Records a project's gateway container events live. The engine keeps only its last few
 * hundred events (health checks alone make many), so a later `--since` query loses them.
 */
export class GatewayEventRecorder {
  private readonly child: ChildProcess;
  private buffer = '';
  readonly events: ContainerEvent[] = [];
  private readonly ready: Promise<void>;

  constructor(project: string) {
    this.child = spawn(
      DOCKER,
      [
        'events',
        '--filter',
        'type=container',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'event=kill',
        '--filter',
        'event=die',
        '--filter',
        'event=start',
        '--filter',
        'event=health_status',
        '--format',
        '{{json .}}',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (text: string) => this.take(text));
    this.ready = new Promise((resolve, reject) => {
      this.child.once('spawn', () => resolve());
      this.child.once('error', reject);
    });
  }

  /** Resolves once `docker events` runs. */
  async started(): Promise<void> {
    await this.ready;
    // `docker events` subscribes shortly after the process starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  /** Stops recording and returns the gateway events in time order. */
  async stop(): Promise<ContainerEvent[]> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('close', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    return [...this.events].sort((a, b) => a.timeNano - b.timeNano);
  }

  private take(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as { id: string; Action?: string; status?: string; timeNano: number; Actor?: { Attributes?: Record<string, string> } };
      if (e.Actor?.Attributes?.['ai-gateway.role'] !== 'gateway') continue;
      this.events.push({ id: e.id, action: e.Action ?? e.status ?? '', timeNano: e.timeNano });
    }
  }
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

/**
 * The fewest gateway containers that were healthy at the same moment, starting from `initial`
 * (the ids healthy when recording began): a container counts from Docker's
 * `health_status: healthy` until its `kill`, `die` or `destroy`.
 */
export function measureHealthyFloor(initial: readonly string[], events: readonly ContainerEvent[]): number {
  const healthy = new Set(initial);
  let floor = healthy.size;
  for (const event of events) {
    if (event.action === 'health_status: healthy') healthy.add(event.id);
    else if (event.action === 'kill' || event.action === 'die' || event.action === 'destroy') healthy.delete(event.id);
    floor = Math.min(floor, healthy.size);
  }
  return floor;
}
