import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking OpenAI's HTTP protocol, for tests and benchmarks. It answers
 * `POST .../chat/completions` (JSON or SSE), `.../completions`, `.../embeddings` and
 * `GET .../models` under any prefix, records every request, and can be told, one request
 * at a time, to delay, fail with a status, drop the connection, or stream slowly.
 *
 * ```ts
 * const upstream = await MockUpstream.start();
 * upstream.enqueue({ status: 429 }, {});          // first call 429, second one normal
 * // ... point network_config.base_url at upstream.url ...
 * await upstream.close();
 * ```
 */

/** A promise with its resolve function, to use as a MockBehaviour `gate`. */
export function createGate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** What the mock does for one request. An empty object means a normal answer. */
export interface MockBehaviour {
  /** Answer this HTTP status with an OpenAI error body (or `errorBody`). */
  status?: number;
  errorBody?: unknown;
  /** Extra response headers (e.g. `retry-after`, `location`). */
  headers?: Record<string, string>;
  /** Wait before sending headers. */
  delayMs?: number;
  /** Destroy the socket: before any response, or after the first stream chunk. */
  drop?: 'before-response' | 'mid-stream';
  /** Streams: how many content chunks (default 3) and the pause between them. */
  chunks?: number;
  chunkDelayMs?: number;
  /**
   * Streams: after the first content chunk, wait for this promise before sending the rest.
   * Lets a test act "mid-stream" without depending on timing.
   */
  gate?: Promise<unknown>;
  /** Streamed chat: after the headers, wait for this promise before the first event. */
  holdFirstEvent?: Promise<unknown>;
  /** Streams: after this many chunks, send an `{"error":...}` event and end. */
  errorAfterChunks?: number;
  /**
   * Non-streaming chat: send the headers, then one space every `everyMs`, `pieces` times, before
   * the answer (a provider that keeps the connection busy without finishing its answer).
   */
  trickle?: { everyMs: number; pieces: number };
  /** Non-streaming: the exact JSON to answer. */
  body?: unknown;
  /** Non-streaming chat: the exact text to answer, as is (for byte-level checks). */
  rawBody?: string;
  /**
   * Streamed chat: answer 200 with this Content-Type (null: none) and body, as they are, instead
   * of an event stream (a provider that ignored `stream: true`, sent its error with 200, or an
   * HTML page in front of it).
   */
  answerStreamWith?: { contentType: string | null; body: string };
  /** Streamed chat: the exact bytes of each event to send, in order (for byte-level checks). */
  rawEvents?: string[];
  /** The assistant's text (default "hello from mock"). */
  content?: string;
}

/** One request the mock received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (undefined for GET or non-JSON). */
  body: Record<string, unknown> | undefined;
  /** True once the client (the gateway) closed the connection before the response ended. */
  aborted: boolean;
  /** True once the response was sent completely. */
  completed: boolean;
}

/** Options of MockUpstream.start. */
export interface MockUpstreamOptions {
  /** Behaviour when the queue is empty (default: a normal answer). */
  defaultBehaviour?: MockBehaviour;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A running mock upstream; see the module comment. */
export class MockUpstream extends EventEmitter {
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly queue: MockBehaviour[] = [];
  private defaultBehaviour: MockBehaviour;
  private readonly server: Server;

  private constructor(options: MockUpstreamOptions) {
    super();
    this.defaultBehaviour = options.defaultBehaviour ?? {};
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 70_000;
  }

  /** Starts a mock on 127.0.0.1 and an ephemeral port. */
  static async start(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
    const mock = new MockUpstream(options);
    mock.server.listen(0, '127.0.0.1');
    await once(mock.server, 'listening');
    return mock;
  }

  /** The origin to use as `network_config.base_url`, e.g. http://127.0.0.1:41234. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Queues behaviours, consumed one per request in order. */
  enqueue(...behaviours: MockBehaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** Sets the behaviour used when the queue is empty. */
  setDefault(behaviour: MockBehaviour): this {
    this.defaultBehaviour = behaviour;
    return this;
  }

  /** Resolves once `count` requests have arrived. */
  async waitForRequests(count: number): Promise<RecordedRequest[]> {
    while (this.requests.length < count) await once(this, 'request');
    return this.requests;
  }

  /** Resolves once request number `index` (0-based) was aborted by the client. */
  async waitForAbort(index: number): Promise<void> {
    await this.waitForRequests(index + 1);
    while (!(this.requests[index] as RecordedRequest).aborted) await once(this, 'aborted');
  }

  /** Stops the server and cuts open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, aborted: false, completed: false };
    res.on('close', () => {
      if (!res.writableFinished) {
        record.aborted = true;
        this.emit('aborted', record);
      }
    });
    res.on('finish', () => {
      record.completed = true;
    });
    this.requests.push(record);
    this.emit('request', record);

    const behaviour = this.queue.shift() ?? this.defaultBehaviour;
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (res.destroyed) return;
    if (behaviour.drop === 'before-response') {
      req.socket.destroy();
      return;
    }
    if (behaviour.status && behaviour.status >= 300 && behaviour.status < 400) {
      res.writeHead(behaviour.status, { location: 'https://elsewhere.example/v1/chat/completions', ...behaviour.headers });
      res.end();
      return;
    }
    if (behaviour.status && behaviour.status >= 400) {
      sendJson(
        res,
        behaviour.status,
        behaviour.errorBody ?? { error: { message: `mock failure ${behaviour.status}`, type: 'mock_error', code: `mock_${behaviour.status}` } },
        behaviour.headers,
      );
      return;
    }
    const path = record.path.split('?')[0] as string;
    const model = typeof body?.model === 'string' ? body.model : 'unknown';
    if (path.endsWith('/chat/completions')) {
      if (body?.stream === true) return this.streamChat(res, model, behaviour, body);
      if (behaviour.trickle) return this.trickleChat(res, model, behaviour.trickle);
      if (behaviour.rawBody !== undefined) {
        res.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(behaviour.rawBody) });
        res.end(behaviour.rawBody);
        return;
      }
      sendJson(res, behaviour.status ?? 200, behaviour.body ?? chatCompletion(model, behaviour.content ?? 'hello from mock'));
    } else if (path.endsWith('/completions')) {
      if (body?.stream === true) return this.streamText(res, model, behaviour);
      sendJson(res, 200, behaviour.body ?? textCompletion(model, behaviour.content ?? 'hello from mock'));
    } else if (path.endsWith('/embeddings')) {
      sendJson(res, 200, behaviour.body ?? embeddings(model, body?.input));
    } else if (path.endsWith('/models')) {
      sendJson(res, 200, { object: 'list', data: [{ id: 'mock-model', object: 'model', created: 0, owned_by: 'mock' }] });
    } else {
      sendJson(res, 404, { error: { message: `mock has no route ${path}`, type: 'invalid_request_error', code: 'not_found' } });
    }
  }

  private async trickleChat(res: ServerResponse, model: string, trickle: { everyMs: number; pieces: number }): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (let i = 0; i < trickle.pieces; i++) {
      await sleep(trickle.everyMs);
      if (res.destroyed) return;
      res.write(' ');
    }
    res.end(JSON.stringify(chatCompletion(model, 'hello from mock')));
  }

  private async streamText(res: ServerResponse, model: string, behaviour: MockBehaviour): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const count = behaviour.chunks ?? 3;
    for (let i = 0; i < count; i++) {
      if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
      if (res.destroyed) return;
      const finish = i === count - 1 ? 'stop' : null;
      res.write(
        `data: ${JSON.stringify({ id: 'cmpl-mock', object: 'text_completion', created: 0, model, choices: [{ index: 0, text: `text-${i} `, finish_reason: finish, logprobs: null }] })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  }

  private async streamChat(res: ServerResponse, model: string, behaviour: MockBehaviour, body: Record<string, unknown>): Promise<void> {
    if (behaviour.answerStreamWith) {
      const { contentType, body: text } = behaviour.answerStreamWith;
      res.writeHead(200, contentType === null ? {} : { 'content-type': contentType });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (behaviour.rawEvents) {
      for (const event of behaviour.rawEvents) res.write(event);
      res.end();
      return;
    }
    const count = behaviour.chunks ?? 3;
    const id = 'chatcmpl-mock';
    const created = Math.floor(Date.now() / 1000);
    const send = (delta: Record<string, unknown>, finish: string | null, usage?: unknown): void => {
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`,
      );
    };
    if (behaviour.holdFirstEvent) {
      res.flushHeaders();
      await behaviour.holdFirstEvent;
      if (res.destroyed) return;
    }
    send({ role: 'assistant', content: '' }, null);
    for (let i = 0; i < count; i++) {
      if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
      if (res.destroyed) return;
      if (behaviour.errorAfterChunks === i) {
        res.end(`data: ${JSON.stringify({ error: { message: 'mock stream failure', type: 'server_error', code: 'mock_stream' } })}\n\n`);
        return;
      }
      send({ content: `chunk-${i} ` }, null);
      if (i === 0 && behaviour.gate) {
        await behaviour.gate;
        if (res.destroyed) return;
      }
      if (behaviour.drop === 'mid-stream') {
        // Let the chunk leave before the cut, so the client has seen the stream start.
        await sleep(20);
        res.socket?.destroy();
        return;
      }
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    send({}, 'stop', includeUsage ? { prompt_tokens: 5, completion_tokens: count, total_tokens: 5 + count } : undefined);
    res.end('data: [DONE]\n\n');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A chat.completion as OpenAI sends it. */
export function chatCompletion(model: string, content: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
  };
}

function textCompletion(model: string, text: string): Record<string, unknown> {
  return {
    id: 'cmpl-mock',
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  };
}

function embeddings(model: string, input: unknown): Record<string, unknown> {
  const items = Array.isArray(input) ? input : [input];
  return {
    object: 'list',
    model,
    data: items.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
    usage: { prompt_tokens: items.length, total_tokens: items.length },
  };
}
