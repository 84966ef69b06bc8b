import { createServer } from 'node:net';
import type { Child } from './child.js';

/** Something the load generator sends chat completions to. */
export interface Target {
  /** Short label used in tables ("direct", "gateway", "portkey"). */
  name: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Request path of chat completions on this target. */
  path: string;
  /** Headers every request carries (auth, routing). */
  headers: Record<string, string>;
  /** The `model` field this target expects. */
  model: string;
  /** The process serving it, when the bench started one (for RSS and profiling). */
  child?: Child;
  /** Host pids whose CPU and RSS count for this target (e.g. the nodes of a cluster); default the child's. */
  pids?: number[];
}

/** The host pids whose CPU and memory a target's figures include. */
export function pidsOf(target: Target): number[] {
  return target.pids ?? (target.child ? [target.child.pid] : []);
}

/** Finds a free loopback TCP port (listen on 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The request body of one chat completion for `target`. */
export function buildChatBody(target: Target, stream: boolean): string {
  return JSON.stringify({
    model: target.model,
    stream,
    max_tokens: 256,
    messages: [
      { role: 'system', content: 'You are a benchmark.' },
      { role: 'user', content: 'Say something of about one kilobyte.' },
    ],
  });
}
