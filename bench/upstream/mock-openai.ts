import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How the mock upstream answers: a fixed think time, then ~1 KB in one body or in chunks. */
export interface MockUpstreamOptions {
  /** Time before the response (or the first chunk) is sent. */
  delayMs: number;
  /** Number of content chunks in a streamed answer. */
  chunks: number;
  /** Gap between two chunks of a streamed answer. */
  chunkGapMs: number;
}

/** A wall clock in milliseconds with sub-millisecond precision, comparable across processes. */
export function nowWallMs(): number {
  return performance.timeOrigin + performance.now();
}

// ~900 characters of content make a ~1.1 KB chat.completion once wrapped.
const CONTENT = 'The quick brown fox jumps over the lazy dog. '.repeat(20);

function buildCompletion(model: string): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: CONTENT }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 12, completion_tokens: 200, total_tokens: 212 },
  });
}

// Each chunk's content starts with "@<emit time>|" so the load generator can measure how long
// the chunk took from the upstream to the client, whatever sits in between.
function buildChunk(model: string, index: number, last: boolean): string {
  const piece = CONTENT.slice(index * 90, index * 90 + 90);
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        delta: index === 0 ? { role: 'assistant', content: `@${nowWallMs().toFixed(3)}|${piece}` } : { content: `@${nowWallMs().toFixed(3)}|${piece}` },
        finish_reason: last ? 'stop' : null,
      },
    ],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function streamAnswer(res: ServerResponse, model: string, options: MockUpstreamOptions): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let index = 0;
  const sendNext = (): void => {
    if (res.destroyed) return;
    const last = index === options.chunks - 1;
    res.write(buildChunk(model, index, last));
    index += 1;
    if (last) {
      res.end('data: [DONE]\n\n');
      return;
    }
    setTimeout(sendNext, options.chunkGapMs);
  };
  setTimeout(sendNext, options.delayMs);
}

function handle(req: IncomingMessage, res: ServerResponse, options: MockUpstreamOptions): void {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    let body: { model?: string; stream?: boolean };
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
      return;
    }
    const model = body.model ?? 'gpt-4o-mini';
    if (body.stream === true) {
      streamAnswer(res, model, options);
      return;
    }
    setTimeout(() => {
      const text = buildCompletion(model);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }, options.delayMs);
  });
}

/** Creates (does not start) an HTTP server answering POST .../chat/completions like OpenAI. */
export function createMockUpstream(options: MockUpstreamOptions): Server {
  const server = createServer((req, res) => handle(req, res, options));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
