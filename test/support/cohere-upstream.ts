import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local server speaking Cohere's v2 API (`POST /v2/chat`, `POST /v2/embed`, Bearer auth),
 * JSON and SSE. By default chat echoes the last user text and embed returns a deterministic
 * vector per text; tests queue scripted chat replies or errors.
 */

/** A request the server received. */
export interface RecordedCohereRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** A scripted chat answer: a v2 response (JSON, or its event sequence when streaming) or an error. */
export type CohereReply = { kind: 'response'; response: Record<string, any> } | { kind: 'error'; status: number; message: string };

/** A running Cohere-protocol server. */
export interface CohereUpstream {
  url: string;
  requests: RecordedCohereRequest[];
  enqueue(...replies: CohereReply[]): void;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and an ephemeral port; `apiKey` is the only key it accepts. */
export async function startCohereUpstream(apiKey: string): Promise<CohereUpstream> {
  const requests: RecordedCohereRequest[] = [];
  const queue: CohereReply[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => writeError(res, 500, String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = text === '' ? undefined : JSON.parse(text);
    requests.push({ path, headers: req.headers, body });
    if (req.headers.authorization !== `Bearer ${apiKey}`) return writeError(res, 401, 'invalid api token');
    if (path === '/v2/embed') return writeJson(res, embedResponseOf(body));
    if (path !== '/v2/chat') return writeError(res, 404, `no such path ${path}`);
    const reply = queue.shift() ?? { kind: 'response', response: echoResponse(body) };
    if (reply.kind === 'error') return writeError(res, reply.status, reply.message);
    if (body.stream === true) return writeEvents(res, eventsOf(reply.response));
    writeJson(res, reply.response);
  }

  const listener = await listenOnLoopback(server);
  return {
    url: listener.origin,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: listener.close,
  };
}

/** A v2 chat response asking for one tool call. */
export function buildCohereToolCall(id: string, name: string, args: object): Record<string, any> {
  return {
    id: 'cohere-tool-1',
    finish_reason: 'TOOL_CALL',
    message: {
      role: 'assistant',
      tool_plan: `I will call ${name}.`,
      tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
    },
    usage: { billed_units: { input_tokens: 20, output_tokens: 10 }, tokens: { input_tokens: 200, output_tokens: 10 } },
  };
}

function echoResponse(body: any): Record<string, any> {
  const last = [...(body?.messages ?? [])].reverse().find((message: any) => message.role === 'user');
  const content = last?.content;
  const text = typeof content === 'string' ? content : (content ?? []).map((item: any) => item.text ?? '').join('');
  return {
    id: 'cohere-echo-1',
    finish_reason: 'COMPLETE',
    message: { role: 'assistant', content: [{ type: 'text', text: `echo: ${text}` }] },
    usage: { billed_units: { input_tokens: 5, output_tokens: 3 }, tokens: { input_tokens: 9, output_tokens: 3 } },
  };
}

/** The documented v2 stream for a response: message-start, content or tool-call events, message-end. */
function eventsOf(response: Record<string, any>): { type: string; [field: string]: unknown }[] {
  const events: { type: string; [field: string]: unknown }[] = [
    { type: 'message-start', id: response.id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  ];
  const text = (response.message.content ?? []).map((item: any) => item.text ?? '').join('');
  if (text !== '') {
    events.push({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
    const half = Math.ceil(text.length / 2);
    for (const piece of [text.slice(0, half), text.slice(half)])
      events.push({ type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } });
    events.push({ type: 'content-end', index: 0 });
  }
  if (response.message.tool_plan) events.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: response.message.tool_plan } } });
  (response.message.tool_calls ?? []).forEach((call: any, index: number) => {
    events.push({
      type: 'tool-call-start',
      index,
      delta: { message: { tool_calls: { id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } } } },
    });
    const args: string = call.function.arguments;
    for (let at = 0; at < args.length; at += 6)
      events.push({ type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: args.slice(at, at + 6) } } } } });
    events.push({ type: 'tool-call-end', index });
  });
  events.push({ type: 'message-end', delta: { finish_reason: response.finish_reason, usage: response.usage } });
  return events;
}

function embedResponseOf(body: any): Record<string, unknown> {
  const texts: string[] = body?.texts ?? [];
  return {
    id: 'cohere-embed-1',
    embeddings: { float: texts.map((text) => [text.length, text.charCodeAt(0) || 0, 0.25]) },
    texts,
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length } },
    response_type: 'embeddings_by_type',
  };
}

function writeEvents(res: ServerResponse, events: { type: string }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
}

function writeJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function writeError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'cohere-error-1', message }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
