import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Cancellation } from '../../../../gateway/core/cancellation.js';
import { Agent, undiciErrors } from '../../../../gateway/providers/shared/undici-modules.js';
import { headerOf, requestWhole, ResponseTooLargeError, type WholeRequestOptions } from '../../../../gateway/providers/shared/whole-response.js';
import { listenOnLoopback, type LoopbackListener } from '../../../support/loopback-server.js';

/** What the test server does with a request, by its path. */
type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

describe('requestWhole (a whole upstream answer straight from undici)', () => {
  const behaviours = new Map<string, Behaviour>();
  /** Bytes each path's answer got onto the wire before the server saw its socket close. */
  const written = new Map<string, number>();
  let server: LoopbackListener;
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  before(async () => {
    server = await listenOnLoopback(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => (behaviours.get(req.url ?? '') as Behaviour)(req, res));
      }),
    );
  });
  after(async () => {
    await agent.close();
    await server.close();
  });

  function options(path: string, signal = new Cancellation()): WholeRequestOptions {
    return {
      origin: server.origin,
      path,
      method: 'POST',
      body: '{"q":1}',
      headers: { 'content-type': 'application/json' },
      signal,
      headersTimeout: 2_000,
      bodyTimeout: 2_000,
    };
  }

  /** Writes 4 KB pieces until the socket closes or 64 MB went out, counting what was written. */
  function endless(path: string): Behaviour {
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = Buffer.alloc(4096, 'a');
      let sent = 0;
      const pump = (): void => {
        while (!res.destroyed && sent < 64 * 1024 * 1024) {
          sent += piece.length;
          written.set(path, sent);
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
  }

  it('gives the status, the raw headers and the whole body of an answer sent in pieces', async () => {
    behaviours.set('/pieces', (_req, res) => {
      res.writeHead(429, { 'Retry-After': '7', 'content-type': 'application/json' });
      res.write('{"error":');
      setTimeout(() => res.end('{"message":"slow down"}}'), 20);
    });
    const answer = await requestWhole(agent, options('/pieces'), 1024);
    assert.equal(answer.statusCode, 429);
    assert.equal(headerOf(answer.rawHeaders, 'retry-after'), '7');
    assert.equal(headerOf(answer.rawHeaders, 'x-absent'), undefined);
    assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { error: { message: 'slow down' } });
  });

  it('stops reading an answer that grows past the limit and says so', async () => {
    behaviours.set('/endless', endless('/endless'));
    await assert.rejects(requestWhole(agent, options('/endless'), 64 * 1024), (error: unknown) => {
      assert.ok(error instanceof ResponseTooLargeError);
      assert.equal(error.statusCode, 200);
      return true;
    });
    // The server stopped well short of its 64 MB: the transfer was cut, not drained.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((written.get('/endless') ?? 0) < 8 * 1024 * 1024, `the server wrote ${written.get('/endless')} bytes`);
  });

  it('fails, rather than answers, when the upstream drops the connection mid-body', async () => {
    behaviours.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"id":"x",');
      setTimeout(() => res.destroy(), 20);
    });
    await assert.rejects(requestWhole(agent, options('/cut'), 1024), (error: unknown) => {
      assert.ok(error instanceof undiciErrors.UndiciError, String(error));
      return true;
    });
  });

  it("ends the transfer with the signal's reason when the request is cancelled mid-body", async () => {
    behaviours.set('/cancelled', endless('/cancelled'));
    const cancellation = new Cancellation();
    const reason = new Error('the client left');
    const pending = requestWhole(agent, options('/cancelled', cancellation), 512 * 1024 * 1024);
    setTimeout(() => cancellation.abort(reason), 30);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((written.get('/cancelled') ?? 0) < 64 * 1024 * 1024, 'the server was left writing its whole answer');
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it('sends nothing for a request cancelled before it started', async () => {
    let reached = false;
    behaviours.set('/never', (_req, res) => {
      reached = true;
      res.end('{}');
    });
    const cancellation = new Cancellation();
    const reason = new Error('gone already');
    cancellation.abort(reason);
    await assert.rejects(requestWhole(agent, options('/never', cancellation), 1024), (error: unknown) => error === reason);
    assert.equal(reached, false);
  });

  it('stops watching the signal once the answer is in', async () => {
    behaviours.set('/small', (_req, res) => res.end('{"ok":true}'));
    const cancellation = new Cancellation();
    const answer = await requestWhole(agent, options('/small', cancellation), 1024);
    assert.equal(answer.body.toString('utf8'), '{"ok":true}');
    assert.equal(cancellation.listenerCount('abort'), 0);
  });
});
