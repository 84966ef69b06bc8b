import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bedrockAdapter } from '../../../gateway/providers/bedrock/index.js';
import { readUpstreamText, sendUpstream } from '../../../gateway/providers/shared/upstream-http.js';
import { listenOnLoopback, type LoopbackListener } from '../../support/loopback-server.js';
import { bedrockProvider, targetFor } from './bedrock/fixtures.js';
import { caughtGatewayError } from '../../support/caught-gateway-error.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

/** An upstream that sends its headers, then a space every 50 ms for 5 s before a JSON answer. */
function startTricklingUpstream(): Promise<LoopbackListener & { closedEarly: () => Promise<boolean> }> {
  let closed: Promise<boolean> = Promise.resolve(false);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    closed = new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished)));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return void clearInterval(timer);
        if (++sent < 100) return void res.write(' ');
        clearInterval(timer);
        res.end('{"output":{"message":{"role":"assistant","content":[{"text":"late"}]}},"stopReason":"end_turn"}');
      }, 50);
    });
  });
  return listenOnLoopback(server).then((listener) => ({ ...listener, closedEarly: () => closed }));
}

describe('upstream attempt deadlines (a provider that answers too slowly)', () => {
  let upstream: LoopbackListener & { closedEarly: () => Promise<boolean> };
  beforeEach(async () => {
    upstream = await startTricklingUpstream();
  });
  afterEach(() => upstream.close());

  it('bounds an answer read whole through sendUpstream (not streamed) by the timeout, headers and body together', async () => {
    const target = { ...targetFor(bedrockProvider(upstream.origin), MODEL), timeoutMs: 300 };
    const error = await caughtGatewayError(
      (async () => {
        const response = await sendUpstream({ url: `${upstream.origin}/anything`, headers: {}, body: {} }, target);
        return readUpstreamText(response.body, target);
      })(),
    );
    assert.equal(error.code, 'upstream_timeout');
    assert.equal(error.status, 504);
    assert.equal(error.retryable, true);
    assert.equal(await upstream.closedEarly(), true, 'the transfer was left running');
  });

  it('answers a Bedrock Converse call that trickles past the timeout as a timeout (504), not a broken connection', async () => {
    const target = { ...targetFor(bedrockProvider(upstream.origin), MODEL), timeoutMs: 300 };
    const error = await caughtGatewayError(bedrockAdapter.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, target));
    assert.equal(error.code, 'upstream_timeout');
    assert.equal(error.status, 504);
    assert.match(error.message, /bedrock did not answer in full within 0.3 s/);
  });
});
