/**
 * A bounded GET to one gateway node's own API (/api/governance/usage, /api/logs), for the
 * control plane to pass on: a time limit that covers the body too, and a size cap that stops
 * reading (and drops the connection) past `maxBytes`, so a node that hangs or sends 50 MB
 * costs the reloader a few seconds and a few megabytes at most.
 */

/** What a node said, or why it said nothing usable. */
export type NodeAnswer =
  | { kind: 'answered'; status: number; body: unknown }
  | { kind: 'unreachable'; error: string }
  | { kind: 'timeout' }
  | { kind: 'too-large' };

/** GETs `pathAndQuery` from the node at `ip`, with the Authorization header given (if any). */
export type NodeApiClient = (ip: string, pathAndQuery: string, authorization: string | undefined) => Promise<NodeAnswer>;

/** Options of createNodeApiClient. */
export interface NodeApiOptions {
  /** The nodes' port (RELOADER_GATEWAY_PORT). */
  port: number;
  timeoutMs?: number;
  maxBytes?: number;
  /** Where a node is reached (tests point every node at one stand-in). */
  baseUrl?: (ip: string) => string;
}

/** Default bounds: 5 s and 4 MB (a page of 50 logs with their content is well under a megabyte). */
export const NODE_API_TIMEOUT_MS = 5000;
export const NODE_API_MAX_BYTES = 4 * 1024 * 1024;

/** Creates the client; never throws, every failure is an answer kind. */
export function createNodeApiClient(options: NodeApiOptions): NodeApiClient {
  const timeoutMs = options.timeoutMs ?? NODE_API_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? NODE_API_MAX_BYTES;
  const baseUrl = options.baseUrl ?? ((ip: string) => nodeOrigin(ip, options.port));
  return async (ip, pathAndQuery, authorization) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(baseUrl(ip) + pathAndQuery, {
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
        redirect: 'manual',
        signal,
      });
      const text = await readCapped(response, maxBytes);
      if (text === undefined) return { kind: 'too-large' };
      return { kind: 'answered', status: response.status, body: parseJson(text) };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout' };
      return { kind: 'unreachable', error: (error as Error).message };
    }
  };
}

/** `http://<ip>:<port>` of a node, with an IPv6 address in brackets. */
export function nodeOrigin(ip: string, port: number): string {
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** The body as text, or undefined past `maxBytes` (then the rest is never read). */
export async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
