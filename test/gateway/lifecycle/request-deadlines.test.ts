import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { MockUpstream } from '../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

/** Sends raw bytes and collects everything the node answers until it closes the socket. */
function openRaw(port: number, bytes: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(bytes);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
  return { socket, answer };
}

describe('request deadlines (a client that never finishes sending)', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
    gateway = await startGateway(providerConfig(upstream.url), { timeouts: { headersTimeoutMs: 1000, requestTimeoutMs: 1500 } });
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers 408 with a JSON error to a body that never ends, and no longer counts it in flight', async () => {
    const { answer } = openRaw(
      gateway.port,
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":"openai/gpt-4o-mini",',
    );
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'request_timeout');
    assert.match(body.error.message, /not received in time/);
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { in_flight: number };
    assert.equal(health.in_flight, 0);
    assert.equal(upstream.requests.length, 0);
  });

  it('answers 408 to headers that never end (slowloris)', async () => {
    const { answer } = openRaw(gateway.port, 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-slow: ');
    assert.match(await answer, /^HTTP\/1\.1 408 /);
  });

  it('does not cut a streamed answer that lasts longer than the request deadline', async () => {
    upstream.enqueue({ chunks: 4, chunkDelayMs: 700 });
    const client = gateway.openai();
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'chunk-0 chunk-1 chunk-2 chunk-3 ');
  });
});
