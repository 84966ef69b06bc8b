import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Cancellation } from '../../gateway/core/cancellation.js';
import { Agent } from '../../gateway/providers/shared/undici-modules.js';
import type { WholeRequestOptions } from '../../gateway/providers/shared/whole-response.js';
import { listenOnLoopback, type LoopbackListener } from './loopback-server.js';

/** What a scripted server does with a request, once its body has arrived. */
export type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server that answers each path as the test scripted it, and reports what it sent. */
export interface ScriptedServer extends LoopbackListener {
  /** Each path's behaviour; set before requesting the path. */
  behaviours: Map<string, Behaviour>;
  /** Bytes each `endless` answer has put on the wire so far. */
  written: Map<string, number>;
  /** Resolves once each path's answer closed on the server's side. */
  closed: Map<string, Promise<unknown>>;
  /** An answer that writes `pieceBytes` pieces while the socket takes them, until it closes or `totalBytes` went out. */
  endless(path: string, contentType: string, pieceBytes: number, totalBytes: number): Behaviour;
}

/** Starts a scripted server on loopback. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const behaviours = new Map<string, Behaviour>();
  const written = new Map<string, number>();
  const closed = new Map<string, Promise<unknown>>();
  const listener = await listenOnLoopback(
    createServer((req, res) => {
      closed.set(req.url ?? '', once(res, 'close'));
      req.resume();
      req.on('end', () => (behaviours.get(req.url ?? '') as Behaviour)(req, res));
    }),
  );
  const endless = (path: string, contentType: string, pieceBytes: number, totalBytes: number): Behaviour => {
    return (_req, res) => {
      res.writeHead(200, { 'content-type': contentType });
      const piece = Buffer.alloc(pieceBytes, 'a');
      let sent = 0;
      const pump = (): void => {
        while (!res.destroyed && sent < totalBytes) {
          sent += piece.length;
          written.set(path, sent);
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
  };
  return { ...listener, behaviours, written, closed, endless };
}

/** A suite's scripted server, the agent its requests go through, and their request options. */
export interface ScriptedSuite {
  readonly server: ScriptedServer;
  readonly agent: InstanceType<typeof Agent>;
  /** A POST of a small JSON body to `path` with 2 s header and body timeouts. */
  options(path: string, signal?: Cancellation): WholeRequestOptions;
}

/** Registers mocha hooks that start a scripted server and an agent before the suite and close both after it. */
export function useScriptedServer(): ScriptedSuite {
  let server: ScriptedServer | undefined;
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  before(async () => {
    server = await startScriptedServer();
  });
  after(async () => {
    await agent.close();
    await server?.close();
  });
  const started = (): ScriptedServer => {
    if (!server) throw new Error('the scripted server starts in the suite’s before hook');
    return server;
  };
  return {
    get server() {
      return started();
    },
    agent,
    options: (path, signal = new Cancellation()) => ({
      origin: started().origin,
      path,
      method: 'POST',
      body: '{"q":1}',
      headers: { 'content-type': 'application/json' },
      signal,
      headersTimeout: 2_000,
      bodyTimeout: 2_000,
    }),
  };
}
