import assert from 'node:assert/strict';
import type { Dispatcher } from 'undici';
import { Cancellation } from '../../../../gateway/core/cancellation.js';
import { AttemptDeadlineError } from '../../../../gateway/providers/shared/cancellable-handler.js';
import { undiciErrors } from '../../../../gateway/providers/shared/undici-modules.js';
import { headerOf } from '../../../../gateway/providers/shared/raw-headers.js';
import { requestWhole, ResponseTooLargeError } from '../../../../gateway/providers/shared/whole-response.js';
import { useScriptedServer } from '../../../support/scripted-server.js';

describe('requestWhole (a whole upstream answer straight from undici)', () => {
  const suite = useScriptedServer();
  const { agent, options } = suite;

  const endless = (path: string) => suite.server.endless(path, 'application/json', 4096, 64 * 1024 * 1024);

  it('gives the status, the raw headers and the whole body of an answer sent in pieces', async () => {
    suite.server.behaviours.set('/pieces', (_req, res) => {
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
    suite.server.behaviours.set('/endless', endless('/endless'));
    await assert.rejects(requestWhole(agent, options('/endless'), 64 * 1024), (error: unknown) => {
      assert.ok(error instanceof ResponseTooLargeError);
      assert.equal(error.statusCode, 200);
      return true;
    });
    // The server stopped well short of its 64 MB: the transfer was cut, not drained.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((suite.server.written.get('/endless') ?? 0) < 8 * 1024 * 1024, `the server wrote ${suite.server.written.get('/endless')} bytes`);
  });

  it('fails, rather than answers, when the upstream drops the connection mid-body', async () => {
    suite.server.behaviours.set('/cut', (_req, res) => {
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
    suite.server.behaviours.set('/cancelled', endless('/cancelled'));
    const cancellation = new Cancellation();
    const reason = new Error('the client left');
    const pending = requestWhole(agent, options('/cancelled', cancellation), 512 * 1024 * 1024);
    setTimeout(() => cancellation.abort(reason), 30);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((suite.server.written.get('/cancelled') ?? 0) < 64 * 1024 * 1024, 'the server was left writing its whole answer');
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it('sends nothing for a request cancelled before it started', async () => {
    let reached = false;
    suite.server.behaviours.set('/never', (_req, res) => {
      reached = true;
      res.end('{}');
    });
    const cancellation = new Cancellation();
    const reason = new Error('gone already');
    cancellation.abort(reason);
    await assert.rejects(requestWhole(agent, options('/never', cancellation), 1024), (error: unknown) => error === reason);
    assert.equal(reached, false);
  });

  it('stops an answer that is still arriving at its deadline, however steadily its bytes come', async () => {
    suite.server.behaviours.set('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 20);
    });
    await assert.rejects(requestWhole(agent, options('/trickle'), 1024, 200), (error: unknown) => {
      assert.ok(error instanceof AttemptDeadlineError, String(error));
      assert.equal(error.deadlineMs, 200);
      return true;
    });
    // The server's side closed: the transfer was stopped, not left running.
    await suite.server.closed.get('/trickle');
  });

  it('fails at the deadline while still waiting for a connection, and stops the transfer once connected', async () => {
    // A dispatcher that connects only when the test says so.
    let connect: (() => void) | undefined;
    let abortedWith: Error | undefined;
    const slowDispatcher = {
      dispatch(_options: unknown, handler: Dispatcher.DispatchHandler) {
        connect = () => handler.onConnect?.((reason?: Error) => void (abortedWith = reason));
        return true;
      },
    } as unknown as Dispatcher;
    await assert.rejects(requestWhole(slowDispatcher, options('/unused'), 1024, 20), AttemptDeadlineError);
    assert.equal(abortedWith, undefined);
    connect?.();
    // (A cast: the assertion above narrowed it to undefined, and TypeScript cannot see connect set it.)
    const stoppedWith = abortedWith as Error | undefined;
    assert.ok(stoppedWith instanceof AttemptDeadlineError, String(stoppedWith));
  });

  it('stops watching the signal once the answer is in', async () => {
    suite.server.behaviours.set('/small', (_req, res) => res.end('{"ok":true}'));
    const cancellation = new Cancellation();
    const answer = await requestWhole(agent, options('/small', cancellation), 1024);
    assert.equal(answer.body.toString('utf8'), '{"ok":true}');
    assert.equal(cancellation.listenerCount('abort'), 0);
  });
});
