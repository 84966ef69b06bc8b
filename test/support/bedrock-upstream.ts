import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local stand-in for Amazon Bedrock Runtime on 127.0.0.1: Converse, ConverseStream (binary
 * AWS event stream, encoded with Smithy's codec) and InvokeModel. It VERIFIES every request's
 * SigV4 signature by recomputing it with the AWS signer from the credentials it was given,
 * and answers 403 InvalidSignatureException when they do not match, as Bedrock does.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Credentials the server checks signatures against. */
export interface BedrockTestCredentials {
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
  region: string;
}

/** One request the server received (signature already checked). */
export interface RecordedBedrockRequest {
  operation: 'converse' | 'converse-stream' | 'invoke' | 'other';
  /** The model id, percent-decoded. */
  modelId: string;
  rawPath: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** Resolves when the connection closes: true if the answer was sent completely. */
  closed: Promise<boolean>;
}

/** What the server answers with. */
export type BedrockReply =
  | {
      kind: 'json';
      status?: number;
      body: unknown;
      errorType?: string;
      /** Send only this many bytes of the body, then hold the connection open (a stalled answer). */
      stallAfterBytes?: number;
    }
  | { kind: 'events'; frames: Uint8Array[] /** Keep the stream open after the frames (a slow model). */; holdOpen?: boolean };

/** Encodes one ConverseStream event frame. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** Encodes one exception frame (e.g. "throttlingException", {message}). */
export function encodeException(exceptionType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** A ConverseStream transcript answering `text` in pieces, with usage. */
export function textStreamFrames(pieces: string[], stopReason = 'end_turn', usage = { inputTokens: 12, outputTokens: 4, totalTokens: 16 }): Uint8Array[] {
  return [
    encodeEvent('messageStart', { role: 'assistant' }),
    ...pieces.map((text) => encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    encodeEvent('contentBlockStop', { contentBlockIndex: 0 }),
    encodeEvent('messageStop', { stopReason }),
    encodeEvent('metadata', { usage, metrics: { latencyMs: 42 } }),
  ];
}

/** A Converse answer with one text block. */
export function converseText(text: string, stopReason = 'end_turn'): BedrockReply {
  return {
    kind: 'json',
    body: {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason,
      usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
      metrics: { latencyMs: 42 },
    },
  };
}

function defaultReply(request: RecordedBedrockRequest): BedrockReply {
  if (request.operation === 'converse') return converseText('Hello from Bedrock');
  if (request.operation === 'converse-stream') return { kind: 'events', frames: textStreamFrames(['Hello', ' from', ' Bedrock']) };
  if (request.operation === 'invoke') {
    const text = String(request.body?.inputText ?? '');
    return { kind: 'json', body: { embedding: [text.length, 0.5, -0.25], inputTextTokenCount: text.split(/\s+/).length } };
  }
  return { kind: 'json', status: 404, body: { message: 'unknown operation' }, errorType: 'UnknownOperationException' };
}

/** The ValidationException message Bedrock answers a Converse body with, for the rules it enforces that the node must meet. */
function converseValidationError(request: RecordedBedrockRequest): string | undefined {
  if (request.operation !== 'converse' && request.operation !== 'converse-stream') return undefined;
  const blocks: any[] = (request.body?.messages ?? []).flatMap((message: any) => message.content ?? []);
  const usesTools = blocks.some((block) => block.toolUse !== undefined || block.toolResult !== undefined);
  if (usesTools && request.body?.toolConfig === undefined) {
    return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  }
  return undefined;
}

function parseAuthorization(value: string): { credential: string; signedHeaders: string[] } | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(value);
  if (!match) return undefined;
  return { credential: match[1] ?? '', signedHeaders: (match[2] ?? '').split(';') };
}

function dateOfAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** Recomputes the request's SigV4 signature with the AWS signer; true when it matches. */
export async function verifySigV4(req: IncomingMessage, body: Buffer, creds: BedrockTestCredentials): Promise<boolean> {
  const authorization = req.headers.authorization;
  const amzDate = req.headers['x-amz-date'];
  if (typeof authorization !== 'string' || typeof amzDate !== 'string') return false;
  const parsed = parseAuthorization(authorization);
  const signingDate = dateOfAmzDate(amzDate);
  if (!parsed || !signingDate) return false;
  const [accessKey, , region, service] = parsed.credential.split('/');
  if (accessKey !== creds.accessKey || region !== creds.region || service !== 'bedrock') return false;
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = req.headers[name];
    if (typeof value !== 'string') return false;
    headers[name] = value;
  }
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const signer = new SignatureV4({
    service: 'bedrock',
    region: creds.region,
    credentials: {
      accessKeyId: creds.accessKey,
      secretAccessKey: creds.secretKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: new Uint8Array(body),
    },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
}

/** A running local Bedrock. */
export interface BedrockUpstream {
  /** `http://127.0.0.1:<port>`: put it in `network_config.base_url`. */
  url: string;
  requests: RecordedBedrockRequest[];
  /** Sets how the next requests are answered (default: text, text stream, Titan vector). */
  setHandler(handler: (request: RecordedBedrockRequest) => BedrockReply): void;
  close(): Promise<void>;
}

function operationOf(path: string): { operation: RecordedBedrockRequest['operation']; modelId: string } {
  const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(path);
  if (!match) return { operation: 'other', modelId: '' };
  return { operation: match[2] as RecordedBedrockRequest['operation'], modelId: decodeURIComponent(match[1] ?? '') };
}

async function writeFramesSplit(res: ServerResponse, frames: Uint8Array[], holdOpen: boolean): Promise<void> {
  // Frames are written in two pieces each, so the client must reassemble them across reads.
  for (const frame of frames) {
    const cut = Math.max(1, Math.floor(frame.length / 3));
    res.write(frame.subarray(0, cut));
    await new Promise((resolve) => setImmediate(resolve));
    res.write(frame.subarray(cut));
  }
  if (!holdOpen) res.end();
}

/** Starts the local Bedrock on 127.0.0.1 (port 0). */
export async function startBedrockUpstream(creds: BedrockTestCredentials, options: { bearerToken?: string } = {}): Promise<BedrockUpstream> {
  const requests: RecordedBedrockRequest[] = [];
  let handler: (request: RecordedBedrockRequest) => BedrockReply = defaultReply;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const bearerOk = options.bearerToken !== undefined && req.headers.authorization === `Bearer ${options.bearerToken}`;
        if (!bearerOk && !(await verifySigV4(req, raw, creds))) {
          res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'InvalidSignatureException' });
          res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
          return;
        }
        const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
        let body: unknown;
        try {
          body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'SerializationException' });
          res.end(JSON.stringify({ message: 'body is not JSON' }));
          return;
        }
        const closed = new Promise<boolean>((resolve) => res.on('close', () => resolve(res.writableFinished)));
        const recorded: RecordedBedrockRequest = { ...operationOf(rawPath), rawPath, headers: req.headers, body, closed };
        requests.push(recorded);
        const refusal = converseValidationError(recorded);
        const reply = refusal ? { kind: 'json' as const, status: 400, body: { message: refusal }, errorType: 'ValidationException' } : handler(recorded);
        if (reply.kind === 'json') {
          const status = reply.status ?? 200;
          const text = Buffer.from(JSON.stringify(reply.body));
          res.writeHead(status, {
            'content-type': 'application/json',
            'content-length': String(text.length),
            'x-amzn-requestid': `req-${requests.length}`,
            ...(reply.errorType ? { 'x-amzn-ErrorType': reply.errorType } : {}),
          });
          if (reply.stallAfterBytes !== undefined) res.write(text.subarray(0, reply.stallAfterBytes));
          else res.end(text);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': `req-${requests.length}` });
        await writeFramesSplit(res, reply.frames, reply.holdOpen === true);
      })().catch((error: unknown) => {
        res.destroy(error as Error);
      });
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
