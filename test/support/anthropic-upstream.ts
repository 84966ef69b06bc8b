import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local server speaking Anthropic's Messages API (`POST /v1/messages`, `x-api-key`,
 * `anthropic-version`), JSON and SSE. By default it echoes the last user text; tests queue
 * scripted replies: a full message (sent as JSON, or as the documented event sequence when
 * the request streams), raw SSE events, or an error in Anthropic's shape.
 */

/** A request the server received. */
export interface RecordedAnthropicRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** A scripted answer. */
export type AnthropicReply =
  | { kind: 'message'; message: Record<string, unknown> }
  | { kind: 'events'; events: { event: string; data: unknown }[] }
  | { kind: 'error'; status: number; type: string; message: string };

/** A running Anthropic-protocol server. */
export interface AnthropicUpstream {
  /** The origin, to use as `network_config.base_url`. */
  url: string;
  requests: RecordedAnthropicRequest[];
  /** Queues replies for the next requests (FIFO); without one the server echoes. */
  enqueue(...replies: AnthropicReply[]): void;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and an ephemeral port; `apiKey` is the only key it accepts. */
export async function startAnthropicUpstream(apiKey: string): Promise<AnthropicUpstream> {
  const requests: RecordedAnthropicRequest[] = [];
  const queue: AnthropicReply[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => writeError(res, 500, 'api_error', String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== '/v1/messages') return writeError(res, 404, 'not_found_error', `no such path ${path}`);
    const body = text === '' ? undefined : JSON.parse(text);
    requests.push({ path, headers: req.headers, body });
    if (req.headers['x-api-key'] !== apiKey) return writeError(res, 401, 'authentication_error', 'invalid x-api-key');
    if (typeof req.headers['anthropic-version'] !== 'string') return writeError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (typeof body?.max_tokens !== 'number') return writeError(res, 400, 'invalid_request_error', 'max_tokens: Field required');

    const reply = queue.shift() ?? { kind: 'message', message: echoMessage(body) };
    if (reply.kind === 'error') return writeError(res, reply.status, reply.type, reply.message);
    if (reply.kind === 'events') return writeEvents(res, reply.events);
    if (body.stream === true) return writeEvents(res, eventsOf(reply.message));
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_upstream_1' });
    res.end(JSON.stringify(reply.message));
  }

  const listener = await listenOnLoopback(server);
  return {
    url: listener.origin,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: listener.close,
  };
}

/** A complete Anthropic message with the given content blocks. */
export function buildAnthropicMessage(
  model: string,
  content: unknown[],
  stopReason: string,
  usage = { input_tokens: 12, output_tokens: 6 },
): Record<string, unknown> {
  return { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage };
}

function echoMessage(body: any): Record<string, unknown> {
  const last = [...(body?.messages ?? [])].reverse().find((message: any) => message.role === 'user');
  const content = last?.content;
  const text = typeof content === 'string' ? content : (content ?? []).map((block: any) => (block.type === 'text' ? block.text : '')).join('');
  return buildAnthropicMessage(body?.model ?? 'unknown', [{ type: 'text', text: `echo: ${text}` }], 'end_turn');
}

/** The documented event sequence for a message: text split into two deltas, tool input into pieces. */
export function eventsOf(message: Record<string, any>): { event: string; data: unknown }[] {
  const usage = message.usage as { input_tokens: number; output_tokens: number };
  const events: { event: string; data: unknown }[] = [
    {
      event: 'message_start',
      data: { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  (message.content as any[]).forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      const half = Math.ceil(block.text.length / 2);
      for (const piece of [block.text.slice(0, half), block.text.slice(half)]) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } } });
      }
    } else if (block.type === 'tool_use') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { ...block, input: {} } } });
      const json = JSON.stringify(block.input);
      for (let at = 0; at < json.length; at += 5) {
        events.push({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(at, at + 5) } },
        });
      }
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

function writeEvents(res: ServerResponse, events: { event: string; data: unknown }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (const { event, data } of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}

function writeError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_upstream_err' }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
