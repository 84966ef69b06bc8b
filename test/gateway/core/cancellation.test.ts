import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { Cancellation, onCancel } from '../../../gateway/core/cancellation.js';
import { listenOnLoopback } from '../../support/loopback-server.js';

describe('Cancellation', () => {
  it('aborts once, keeps the first reason and tells each listener once', () => {
    const cancellation = new Cancellation();
    let calls = 0;
    onCancel(cancellation, () => calls++);
    const first = new Error('client left');
    cancellation.abort(first);
    cancellation.abort(new Error('later'));
    assert.equal(cancellation.aborted, true);
    assert.equal(cancellation.reason, first);
    assert.equal(calls, 1);
  });

  it('stops calling a listener that stopped listening', () => {
    const cancellation = new Cancellation();
    let calls = 0;
    const stop = onCancel(cancellation, () => calls++);
    stop();
    cancellation.abort(new Error('gone'));
    assert.equal(calls, 0);
    assert.equal(cancellation.listenerCount('abort'), 0);
  });

  it('cancels an undici request in flight, which closes the upstream connection', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    // An upstream that never answers: only the cancellation can end the request.
    const server = createServer((req) => req.socket.once('close', () => upstreamClosed()));
    const upstream = await listenOnLoopback(server);
    const agent = new Agent();
    try {
      const cancellation = new Cancellation();
      const pending = request(`${upstream.origin}/v1/chat/completions`, { method: 'POST', body: '{}', dispatcher: agent, signal: cancellation });
      await new Promise((resolve) => server.once('request', resolve));
      const reason = new Error('the client closed the request');
      cancellation.abort(reason);
      await assert.rejects(pending, (error) => error === reason);
      await closed;
    } finally {
      await agent.close();
      await upstream.close();
    }
  });
});
