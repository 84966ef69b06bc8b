import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local server speaking Gemini's native protocol, on the Gemini API paths
 * (`/v1beta/models/{model}:{method}`) and the Vertex AI paths
 * (`/v1/projects/{p}/locations/{r}/publishers/google/models/{model}:{method}`). By default it
 * echoes the last user text; tests queue scripted replies (JSON, SSE events, errors).
 */

/** A request the server received. */
export interface RecordedGeminiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** `gemini` or `vertex`, from the path's shape. */
  api: 'gemini' | 'vertex';
  model: string;
  action: string;
  body: any;
  /** True once the client closed the connection before the response ended. */
  abandoned: boolean;
}

/** A scripted answer. */
export type GeminiReply =
  | { kind: 'json'; status?: number; body: unknown }
  | { kind: 'sse'; events: unknown[]; intervalMs?: number }
  | { kind: 'error'; status: number; message: string; googleStatus: string };

/** Options of the server. */
export interface GeminiUpstreamOptions {
  /** When set, requests on Gemini API paths must carry this `x-goog-api-key`. */
  apiKey?: string;
  /** When set, requests on Vertex paths must carry `Authorization: Bearer <token>` with a token this returns true for. */
  acceptBearer?: (token: string) => boolean;
}

/** A running Gemini-protocol server. */
export interface GeminiUpstream {
  /** The origin, to use as `network_config.base_url`. */
  url: string;
  requests: RecordedGeminiRequest[];
  /** Queues a reply for the next request (FIFO); without one the server echoes. */
  enqueue(...replies: GeminiReply[]): void;
  /** Resolves when a client next closes a connection before its response ended. */
  nextAbandoned(): Promise<RecordedGeminiRequest>;
  close(): Promise<void>;
}

const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startGeminiUpstream(options: GeminiUpstreamOptions = {}): Promise<GeminiUpstream> {
  const requests: RecordedGeminiRequest[] = [];
  const queue: GeminiReply[] = [];
  const abandonedWaiters: ((request: RecordedGeminiRequest) => void)[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readBody(req);
    const path = decodeURIComponent(url.pathname);
    const gemini = GEMINI_PATH.exec(path);
    const vertex = VERTEX_PATH.exec(path);
    if (!gemini && !vertex) return writeError(res, 404, `no such path ${path}`, 'NOT_FOUND');
    const recorded: RecordedGeminiRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      api: gemini ? 'gemini' : 'vertex',
      model: (gemini ? gemini[1] : vertex?.[3]) as string,
      action: (gemini ? gemini[2] : vertex?.[4]) as string,
      body: text === '' ? undefined : JSON.parse(text),
      abandoned: false,
    };
    res.once('close', () => {
      if (!res.writableFinished) {
        recorded.abandoned = true;
        abandonedWaiters.splice(0).forEach((resolve) => resolve(recorded));
      }
    });
    requests.push(recorded);

    if (recorded.api === 'gemini' && options.apiKey !== undefined && req.headers['x-goog-api-key'] !== options.apiKey) {
      return writeError(res, 400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT');
    }
    if (recorded.api === 'vertex' && options.acceptBearer) {
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!token || !options.acceptBearer(token)) {
        return writeError(res, 401, 'Request had invalid authentication credentials.', 'UNAUTHENTICATED');
      }
    }

    const schemaError = functionDeclarationError(recorded.body);
    if (schemaError) return writeError(res, 400, schemaError, 'INVALID_ARGUMENT');

    const reply = queue.shift() ?? defaultReply(recorded);
    if (reply.kind === 'error') return writeError(res, reply.status, reply.message, reply.googleStatus);
    if (reply.kind === 'json') {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(reply.body));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of reply.events) {
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
      if (reply.intervalMs) await new Promise((resolve) => setTimeout(resolve, reply.intervalMs));
    }
    res.end();
  }

  const listener = await listenOnLoopback(server);
  return {
    url: listener.origin,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    nextAbandoned: () => new Promise((resolve) => abandonedWaiters.push(resolve)),
    close: listener.close,
  };
}

// The fields of Gemini's `Schema` (an OpenAPI 3.0 subset), which is what `parameters` takes;
// `parametersJsonSchema` takes JSON Schema as it is.
const OPENAPI_SCHEMA_FIELDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

/** Gemini's 400 message for a function declaration it cannot parse, as far as this server checks. */
function functionDeclarationError(body: any): string | undefined {
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  for (const [toolIndex, tool] of tools.entries()) {
    const declarations: any[] = Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations : [];
    for (const [index, declaration] of declarations.entries()) {
      const at = `tools[${toolIndex}].function_declarations[${index}]`;
      if (declaration?.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
        return `${at}: parameters and parameters_json_schema are mutually exclusive`;
      }
      if (declaration?.parameters !== undefined) {
        const error = openApiSchemaError(declaration.parameters, `${at}.parameters`);
        if (error) return error;
      }
    }
  }
  return undefined;
}

function openApiSchemaError(schema: any, at: string): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return `Invalid value at '${at}': not an object`;
  for (const [key, value] of Object.entries<any>(schema)) {
    if (!OPENAPI_SCHEMA_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`;
    if (key === 'type' && typeof value !== 'string') return `Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type)`;
  }
  const nested: [any, string][] = [
    ...Object.entries<any>(schema.properties ?? {}).map(([name, inner]): [any, string] => [inner, `${at}.properties[${name}].value`]),
    ...(schema.items !== undefined ? [[schema.items, `${at}.items`] as [any, string]] : []),
    ...(schema.anyOf ?? []).map((inner: any, index: number): [any, string] => [inner, `${at}.any_of[${index}]`]),
  ];
  for (const [inner, path] of nested) {
    const error = openApiSchemaError(inner, path);
    if (error) return error;
  }
  return undefined;
}

function writeError(res: ServerResponse, status: number, message: string, googleStatus: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: status, message, status: googleStatus } }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of the last user turn of a Gemini request. */
export function lastUserText(body: any): string {
  const contents: any[] = body?.contents ?? [];
  const user = [...contents].reverse().find((content) => content.role === 'user' || content.role === undefined);
  return (user?.parts ?? []).map((part: any) => part.text ?? '').join('');
}

function defaultReply(request: RecordedGeminiRequest): GeminiReply {
  if (request.action === 'predict') {
    const predictions = (request.body?.instances ?? []).map((instance: any) => ({
      embeddings: { values: embedText(instance.content), statistics: { token_count: instance.content.length, truncated: false } },
    }));
    return { kind: 'json', body: { predictions } };
  }
  if (request.action === 'batchEmbedContents') {
    const embeddings = (request.body?.requests ?? []).map((entry: any) => ({ values: embedText(entry.content.parts[0].text) }));
    return { kind: 'json', body: { embeddings } };
  }
  const text = `echo: ${lastUserText(request.body)}`;
  const usage = { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 };
  if (request.action === 'streamGenerateContent') {
    const half = Math.ceil(text.length / 2);
    return {
      kind: 'sse',
      events: [
        {
          candidates: [{ content: { role: 'model', parts: [{ text: text.slice(0, half) }] }, index: 0 }],
          modelVersion: request.model,
          responseId: 'resp-stream-1',
        },
        {
          candidates: [{ content: { role: 'model', parts: [{ text: text.slice(half) }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: usage,
          modelVersion: request.model,
          responseId: 'resp-stream-1',
        },
      ],
    };
  }
  return {
    kind: 'json',
    body: {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usage,
      modelVersion: request.model,
      responseId: 'resp-json-1',
    },
  };
}

/** A deterministic three-number "embedding" of a text. */
export function embedText(text: string): number[] {
  return [text.length, text.charCodeAt(0) || 0, 0.5];
}
