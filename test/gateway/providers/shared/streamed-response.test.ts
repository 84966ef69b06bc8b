import assert from 'node:assert/strict';
import { Cancellation } from '../../../../gateway/core/cancellation.js';
import { requestStreamed } from '../../../../gateway/providers/shared/streamed-response.js';
import { undiciErrors } from '../../../../gateway/providers/shared/undici-modules.js';
import { headerOf } from '../../../../gateway/providers/shared/raw-headers.js';
import { useScriptedServer } from '../../../support/scripted-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('requestStreamed (an upstream answer read as it arrives, straight from undici)', () => {
  const suite = useScriptedServer();
  const { agent, options } = suite;

  const endless = (path: string) => suite.server.endless(path, 'text/event-stream', 16 * 1024, 256 * 1024 * 1024);

  it('hands over each piece as it arrives, before the upstream sent the next', async () => {
    let sendSecond: () => void = () => undefined;
    let secondSent = false;
    suite.server.behaviours.set('/pieces', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'up-1' });
      res.write('data: one\n\n');
      sendSecond = () => {
        secondSent = true;
        res.end('data: two\n\n');
      };
    });
    const cancellation = new Cancellation();
    const response = await requestStreamed(agent, options('/pieces', cancellation));
    assert.equal(response.statusCode, 200);
    assert.equal(headerOf(response.rawHeaders, 'x-request-id'), 'up-1');
    const pieces: string[] = [];
    for await (const chunk of response.body) {
      pieces.push(chunk.toString('utf8'));
      if (pieces.length === 1) {
        assert.equal(secondSent, false);
        sendSecond();
      }
    }
    assert.deepEqual(pieces, ['data: one\n\n', 'data: two\n\n']);
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it('pauses the transfer while the reader is behind, and gives every byte once it reads', async () => {
    suite.server.behaviours.set('/slow-reader', endless('/slow-reader'));
    const response = await requestStreamed(agent, options('/slow-reader'));
    await sleep(300);
    // Only what the sockets' buffers hold went out, not the 256 MB the server had to send.
    const whilePaused = suite.server.written.get('/slow-reader') ?? 0;
    assert.ok(whilePaused < 16 * 1024 * 1024, `the server wrote ${whilePaused} bytes to a reader that read nothing`);
    let read = 0;
    for await (const chunk of response.body) read += chunk.length;
    assert.equal(read, 256 * 1024 * 1024);
  });

  it('stops the transfer when the reader leaves early', async () => {
    suite.server.behaviours.set('/left', endless('/left'));
    const cancellation = new Cancellation();
    const response = await requestStreamed(agent, options('/left', cancellation));
    let pieces = 0;
    for await (const _chunk of response.body) if (++pieces === 2) break;
    await suite.server.closed.get('/left');
    assert.ok((suite.server.written.get('/left') ?? 0) < 256 * 1024 * 1024, 'the server was left writing its whole answer');
    assert.equal(response.body.destroyed, true);
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it("throws the signal's reason when the request is cancelled mid-body", async () => {
    suite.server.behaviours.set('/cancelled', endless('/cancelled'));
    const cancellation = new Cancellation();
    const reason = new Error('the client left');
    const response = await requestStreamed(agent, options('/cancelled', cancellation));
    await assert.rejects(
      (async () => {
        for await (const _chunk of response.body) cancellation.abort(reason);
      })(),
      (error: unknown) => error === reason,
    );
    await suite.server.closed.get('/cancelled');
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it('throws, rather than ends, when the upstream drops the connection mid-body', async () => {
    suite.server.behaviours.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': '100' });
      res.write('data: {"id":"x",');
      setTimeout(() => res.destroy(), 20);
    });
    const response = await requestStreamed(agent, options('/cut'));
    const pieces: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of response.body) pieces.push(chunk.toString('utf8'));
      })(),
      (error: unknown) => error instanceof undiciErrors.UndiciError,
    );
    assert.deepEqual(pieces, ['data: {"id":"x",']);
  });

  it('rejects with the transfer error when no answer came, and sends nothing once cancelled', async () => {
    suite.server.behaviours.set('/silent', () => undefined);
    await assert.rejects(
      requestStreamed(agent, { ...options('/silent'), headersTimeout: 100 }),
      (error: unknown) => error instanceof undiciErrors.HeadersTimeoutError,
    );
    let reached = false;
    suite.server.behaviours.set('/never', (_req, res) => {
      reached = true;
      res.end();
    });
    const cancellation = new Cancellation();
    const reason = new Error('gone already');
    cancellation.abort(reason);
    await assert.rejects(requestStreamed(agent, options('/never', cancellation)), (error: unknown) => error === reason);
    assert.equal(reached, false);
  });
});
