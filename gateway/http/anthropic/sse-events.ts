import type { ServerResponse } from 'node:http';

/**
 * Writes one named SSE event (`event: <name>` + `data: <json>`), as Anthropic's stream has
 * them. Resolves at once, or once the socket drained (or the client left) when its buffer
 * is full, so a slow client slows the upstream read instead of filling memory.
 */
export function writeSseEvent(res: ServerResponse, name: string, data: string): Promise<void> | undefined {
  if (res.write(`event: ${name}\ndata: ${data}\n\n`)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
