import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { BodyReadError, readBodyText } from '../../shared/http/read-body-text.js';
import { listenOnLoopback, type LoopbackListener } from '../support/loopback-server.js';
import { openRawClient } from '../support/raw-http-client.js';

const LIMIT = 64;

/** What the server's reader made of one request: the text, or the error's kind. */
type Outcome = { text: string } | { kind: BodyReadError['kind'] | 'other' };

/**
 * A real HTTP server whose handler reads each body with readBodyText and answers with what it
 * got; `outcomes` keeps the same for requests whose client is gone before the answer.
 */
class ReadingServer {
  readonly outcomes: Outcome[] = [];
  private waiters: Array<(outcome: Outcome) => void> = [];
  private readonly server: Server;
  // Set by start() before the instance is handed out.
  private listener!: LoopbackListener;
  /** Called on the request before reading (e.g. to read it twice). */
  before: ((req: IncomingMessage) => Promise<void>) | undefined;

  private constructor() {
    this.server = createServer(async (req, res) => {
      let outcome: Outcome;
      try {
        await this.before?.(req);
        outcome = { text: await readBodyText(req, LIMIT) };
      } catch (error) {
        outcome = { kind: error instanceof BodyReadError ? error.kind : 'other' };
      }
      this.outcomes.push(outcome);
      for (const waiter of this.waiters.splice(0)) waiter(outcome);
      if (res.destroyed) return;
      res.setHeader('connection', 'close');
      res.end(JSON.stringify(outcome));
    });
  }

  static async start(): Promise<ReadingServer> {
    const reading = new ReadingServer();
    reading.listener = await listenOnLoopback(reading.server);
    return reading;
  }

  get origin(): string {
    return this.listener.origin;
  }

  /** The next outcome the handler reaches. */
  next(): Promise<Outcome> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}

function head(extra: string): string {
  return `POST /read HTTP/1.1\r\nhost: 127.0.0.1\r\n${extra}\r\n`;
}

function bodyOf(answer: string): Outcome {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Outcome;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('readBodyText (request bodies, gateway and reloader)', () => {
  let server: ReadingServer;
  beforeEach(async () => {
    server = await ReadingServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('reads a body sent in pieces, a character split between two of them included', async () => {
    const text = '{"q":"héllo 日本"}';
    const bytes = Buffer.from(text, 'utf8');
    const client = await openRawClient(server.origin);
    client.write(head(`content-length: ${bytes.length}\r\n`));
    // Split inside the three bytes of 日: a decoder per piece would turn both halves into U+FFFD.
    const cut = bytes.indexOf(Buffer.from('日', 'utf8')) + 1;
    client.write(bytes.subarray(0, cut));
    await pause(30);
    client.write(bytes.subarray(cut));
    assert.deepEqual(bodyOf(await client.answer), { text });
  });

  it('reads a chunked body and an empty one', async () => {
    const chunked = await openRawClient(server.origin);
    chunked.write(`${head('transfer-encoding: chunked\r\n')}5\r\n{"a":\r\n`);
    await pause(20);
    chunked.write('2\r\n1}\r\n0\r\n\r\n');
    assert.deepEqual(bodyOf(await chunked.answer), { text: '{"a":1}' });

    const empty = await openRawClient(server.origin);
    empty.write(head('content-length: 0\r\n'));
    assert.deepEqual(bodyOf(await empty.answer), { text: '' });
  });

  it('drops a leading byte-order mark, so that the JSON in it parses; invalid UTF-8 becomes U+FFFD', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    const client = await openRawClient(server.origin);
    client.write(head(`content-length: ${withBom.length}\r\n`));
    client.write(withBom);
    const read = bodyOf(await client.answer) as { text: string };
    assert.deepEqual(JSON.parse(read.text), { a: 1 });

    const invalid = Buffer.from([0x22, 0xff, 0x22]);
    const second = await openRawClient(server.origin);
    second.write(head(`content-length: ${invalid.length}\r\n`));
    second.write(invalid);
    assert.deepEqual(bodyOf(await second.answer), { text: '"\ufffd"' });
  });

  it('refuses a body announced past the limit before any of it arrives', async () => {
    const client = await openRawClient(server.origin);
    const outcome = server.next();
    // Headers only: the refusal cannot wait for a body that is never sent.
    client.write(head(`content-length: ${LIMIT + 1}\r\n`));
    assert.deepEqual(await outcome, { kind: 'too_large' });
    assert.deepEqual(bodyOf(await client.answer), { kind: 'too_large' });
  });

  it('refuses a chunked body when it grows past the limit, without reading the rest', async () => {
    const client = await openRawClient(server.origin);
    const outcome = server.next();
    client.write(head('transfer-encoding: chunked\r\n'));
    const piece = 'x'.repeat(40);
    client.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    await pause(20);
    client.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    assert.deepEqual(await outcome, { kind: 'too_large' });
    // The client never ends its body; the server answered and closed all the same.
    assert.deepEqual(bodyOf(await client.answer), { kind: 'too_large' });
  });

  it('reports a client that leaves mid-body as aborted, whether it resets or closes', async () => {
    for (const leave of [(s: Socket) => s.resetAndDestroy(), (s: Socket) => s.end()]) {
      const client = await openRawClient(server.origin);
      const outcome = server.next();
      client.write(head('content-length: 50\r\n'));
      client.write('{"half":');
      await pause(20);
      leave(client);
      assert.deepEqual(await outcome, { kind: 'aborted' });
    }
  });

  it('refuses a body that was already read rather than wait for one that will not come', async () => {
    server.before = (req) => readBodyText(req, LIMIT).then(() => undefined);
    const client = await openRawClient(server.origin);
    client.write(head('content-length: 2\r\n'));
    client.write('{}');
    assert.deepEqual(bodyOf(await client.answer), { kind: 'unreadable' });
  });
});
