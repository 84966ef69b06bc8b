import assert from 'node:assert/strict';
import { maxHeaderSize } from 'node:http';
import { openRawClient } from '../../support/raw-http-client.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

/** The status line and the JSON envelope of a raw answer. */
function parseAnswer(text: string): { statusLine: string; body: { status_code: number; error: { code: string; message: string } } } {
  return {
    statusLine: text.slice(0, text.indexOf('\r\n')),
    body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { status_code: number; error: { code: string; message: string } },
  };
}

describe('requests the node cannot read (answered before any route)', () => {
  let gateway: RunningGateway;

  beforeEach(async () => {
    gateway = await startGateway(providerConfig('http://127.0.0.1:9'));
  });
  afterEach(() => gateway.close());

  it('answers headers larger than Node accepts with 431 and a JSON error saying so', async () => {
    const client = await openRawClient(gateway.url);
    client.write(`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const { statusLine, body } = parseAnswer(await client.answer);
    assert.equal(statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.equal(body.status_code, 431);
    assert.equal(body.error.code, 'headers_too_large');
    assert.ok(body.error.message.includes(`headers are larger than this node accepts (${maxHeaderSize / 1024} KB`), body.error.message);
  });

  it('still answers a request that is not HTTP at all with 400', async () => {
    const client = await openRawClient(gateway.url);
    client.write('NOT HTTP\r\n\r\n');
    const { statusLine, body } = parseAnswer(await client.answer);
    assert.equal(statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(body.error.code, 'invalid_request');
  });
});
