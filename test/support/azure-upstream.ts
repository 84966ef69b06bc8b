import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local stand-in for an Azure OpenAI resource on 127.0.0.1: per-deployment URLs
 * (`/openai/deployments/{deployment}/{chat/completions|completions|embeddings}?api-version=`)
 * and the versionless v1 API (`/openai/v1/...`, deployment in the body's model),
 * `api-key` authentication, OpenAI-shaped bodies, SSE streams that open with Azure's
 * prompt-filter chunk, and Azure's `{error:{code,message}}` errors.
 */

/** One request the server received. */
export interface RecordedAzureRequest {
  deployment: string;
  operation: string;
  apiVersion: string | null;
  headers: IncomingMessage['headers'];
  body: any;
}

/** What the server answers with: a JSON body, or SSE `data:` payloads (objects or raw strings). */
export type AzureReply = { kind: 'json'; status?: number; body: unknown } | { kind: 'sse'; events: (object | string)[] };

/** A running local Azure OpenAI resource. */
export interface AzureUpstream {
  url: string;
  requests: RecordedAzureRequest[];
  setHandler(handler: (request: RecordedAzureRequest) => AzureReply): void;
  close(): Promise<void>;
}

const created = 1_700_000_000;

function chunk(deployment: string, delta: object, finish: string | null = null): object {
  return {
    id: 'chatcmpl-azure-1',
    object: 'chat.completion.chunk',
    created,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, finish_reason: finish, content_filter_results: {} }],
    system_fingerprint: `fp_${deployment}`,
  };
}

/** The SSE transcript the server streams by default. */
export function defaultAzureStream(deployment: string, pieces = ['Hello', ' from', ' Azure']): (object | string)[] {
  return [
    { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] },
    chunk(deployment, { role: 'assistant', content: '' }),
    ...pieces.map((content) => chunk(deployment, { content })),
    chunk(deployment, {}, 'stop'),
    '[DONE]',
  ];
}

function floatsToBase64(values: number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

function defaultReply(request: RecordedAzureRequest): AzureReply {
  const { deployment, operation, body } = request;
  if (operation === 'chat/completions') {
    if (body?.stream) return { kind: 'sse', events: defaultAzureStream(deployment) };
    return {
      kind: 'json',
      body: {
        id: 'chatcmpl-azure-1',
        object: 'chat.completion',
        created,
        model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content: `Hello from ${deployment}` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
      },
    };
  }
  if (operation === 'completions') {
    return {
      kind: 'json',
      body: {
        id: 'cmpl-azure-1',
        object: 'text_completion',
        created,
        model: 'gpt-35-turbo-instruct',
        choices: [{ index: 0, text: ' world', finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    };
  }
  if (operation === 'embeddings') {
    const inputs: unknown[] = Array.isArray(body?.input) ? body.input : [body?.input];
    return {
      kind: 'json',
      body: {
        object: 'list',
        model: 'text-embedding-3-small',
        data: inputs.map((input, index) => {
          const vector = [String(input).length, 0.5, -1];
          return { object: 'embedding', index, embedding: body?.encoding_format === 'base64' ? floatsToBase64(vector) : vector };
        }),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      },
    };
  }
  return { kind: 'json', status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
}

/** Starts the local Azure OpenAI on 127.0.0.1 (port 0); requests must carry `api-key: <apiKey>`. */
export async function startAzureUpstream(apiKey: string): Promise<AzureUpstream> {
  const requests: RecordedAzureRequest[] = [];
  let handler: (request: RecordedAzureRequest) => AzureReply = defaultReply;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (part: Buffer) => chunks.push(part));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'apim-request-id': 'apim-1' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['api-key'] !== apiKey) {
        send(401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const dated = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
      // The versionless v1 API routes by the body's model (the deployment name).
      const v1 = /^\/openai\/v1\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
      const apiVersion = v1 ? 'v1' : url.searchParams.get('api-version');
      if ((!dated && !v1) || !apiVersion) {
        send(404, { error: { code: '404', message: 'Resource not found' } });
        return;
      }
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(400, { error: { code: 'BadRequest', message: 'body is not JSON' } });
        return;
      }
      const recorded: RecordedAzureRequest = {
        deployment: dated ? decodeURIComponent(dated[1] ?? '') : String(body?.model ?? ''),
        operation: (dated ? dated[2] : v1?.[1]) ?? '',
        apiVersion,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      const reply = handler(recorded);
      if (reply.kind === 'json') {
        send(reply.status ?? 200, reply.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of reply.events) res.write(`data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`);
      res.end();
    });
  });
  const listener = await listenOnLoopback(server);
  return {
    url: listener.origin,
    requests,
    setHandler(next) {
      handler = next;
    },
    close: listener.close,
  };
}
