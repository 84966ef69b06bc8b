import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setUpstreamLimits, type UpstreamLimits } from '../../../gateway/providers/shared/upstream-http.js';
import { listenOnLoopback, type LoopbackListener } from '../../support/loopback-server.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

const MESSAGES = [{ role: 'user' as const, content: 'x' }];

/** An upstream that lies: it sends far more than any real answer, as fast as it can. */
function startOversizedUpstream(): Promise<LoopbackListener & { bytesSent: () => number }> {
  let sent = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
    req.on('end', () => {
      const streaming = (JSON.parse(text) as { stream?: boolean }).stream === true;
      const filler = Buffer.alloc(64 * 1024, 'a');
      res.writeHead(200, { 'content-type': streaming ? 'text/event-stream' : 'application/json' });
      // For a stream: one event that never ends (no blank line). Otherwise: a JSON string that never closes.
      res.write(streaming ? 'data: {"choices":[{"delta":{"content":"' : '{"id":"x","choices":[{"message":{"content":"');
      const pump = (): void => {
        while (!res.destroyed && sent < 64 * 1024 * 1024) {
          sent += filler.length;
          if (!res.write(filler)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  return listenOnLoopback(server).then((listener) => ({ ...listener, bytesSent: () => sent }));
}

describe('upstream size limits (a provider that sends too much)', () => {
  let upstream: LoopbackListener & { bytesSent: () => number };
  let gateway: RunningGateway;
  let previous: Readonly<UpstreamLimits>;

  before(() => {
    previous = setUpstreamLimits({ maxBodyBytes: 1024 * 1024, maxEventBytes: 256 * 1024 });
  });
  after(() => {
    setUpstreamLimits(previous);
  });
  beforeEach(async () => {
    upstream = await startOversizedUpstream();
    gateway = await startGateway(providerConfig(upstream.origin));
  });
  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers 502 naming the provider when a JSON answer exceeds the body limit, and stops reading it', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES }),
    });
    assert.equal(response.status, 502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'upstream_bad_response');
    assert.match(body.error.message, /openai sent a response larger than 1 MB/);
    assert.ok(upstream.bytesSent() < 32 * 1024 * 1024, `the node kept reading: ${upstream.bytesSent()} bytes`);
  });

  it('ends a stream with an error event when one event exceeds the event limit', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: MESSAGES, stream: true }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const text = await response.text();
    assert.match(text, /^data: .*openai sent a stream event larger than 256 KB/m);
    assert.ok(upstream.bytesSent() < 32 * 1024 * 1024, `the node kept reading: ${upstream.bytesSent()} bytes`);
  });
});
