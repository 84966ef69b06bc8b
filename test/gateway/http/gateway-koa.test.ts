import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { PassThrough } from 'node:stream';
import Koa, { type Context } from 'koa';
import { GatewayKoa } from '../../../gateway/http/gateway-koa.js';
import { listenOnLoopback, type LoopbackListener } from '../../support/loopback-server.js';
import { openRawClient } from '../../support/raw-http-client.js';

/** Middleware by path, covering what Koa's response handling decides: status, body kinds, HEAD, errors. */
const behaviours: Record<string, (ctx: Context) => void | Promise<void>> = {
  '/object': (ctx) => {
    ctx.body = { ok: true, text: 'é' };
  },
  '/created': (ctx) => {
    ctx.status = 201;
    ctx.body = 'made';
  },
  '/no-content': (ctx) => {
    ctx.status = 204;
    ctx.body = 'dropped';
  },
  '/status-only': (ctx) => {
    ctx.status = 418;
  },
  '/explicit-null': (ctx) => {
    ctx.body = 'x';
    ctx.body = null;
  },
  '/buffer': (ctx) => {
    ctx.type = 'application/octet-stream';
    ctx.body = Buffer.from([1, 2, 3]);
  },
  '/stream': (ctx) => {
    const stream = new PassThrough();
    ctx.body = stream;
    stream.end('streamed');
  },
  '/throws': () => {
    throw Object.assign(new Error('secret detail'), { status: 400, expose: false });
  },
  '/throws-exposed': () => {
    throw Object.assign(new Error('bad thing'), { status: 409, expose: true });
  },
  '/crash': async () => {
    await Promise.resolve();
    throw new Error('crash');
  },
  '/raw': (ctx) => {
    ctx.respond = false;
    ctx.res.statusCode = 202;
    ctx.res.setHeader('content-type', 'text/plain');
    ctx.res.end('written by the route');
  },
};

/** One app of the given class with the behaviours above; records what it emits as 'error'. */
async function serve(makeApp: () => Koa): Promise<{ listener: LoopbackListener; errors: string[] }> {
  const app = makeApp();
  const errors: string[] = [];
  app.on('error', (error: Error) => errors.push(error.message));
  app.use(async (ctx, next) => {
    ctx.set('x-outer', 'yes');
    await next();
  });
  app.use((ctx) => behaviours[ctx.path]?.(ctx));
  return { listener: await listenOnLoopback(createServer(app.callback())), errors };
}

/** The raw answer to one request, without the Date header (the only part that may differ). */
async function rawAnswer(origin: string, method: string, path: string): Promise<string> {
  const client = await openRawClient(origin);
  client.end(`${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  return (await client.answer).replace(/^date: .*\r\n/im, '');
}

describe('GatewayKoa (Koa without on-finished for the responses routes send themselves)', () => {
  const served: Array<{ listener: LoopbackListener }> = [];
  after(async () => {
    for (const { listener } of served) await listener.close();
  });

  it('answers every kind of response exactly as Koa does, byte for byte, errors and HEAD included', async () => {
    const koa = await serve(() => new Koa());
    const gateway = await serve(() => new GatewayKoa());
    served.push(koa, gateway);
    const requests: Array<[string, string]> = [
      ...Object.keys(behaviours).map((path): [string, string] => ['GET', path]),
      ['HEAD', '/object'],
      ['HEAD', '/created'],
      ['GET', '/unrouted'],
    ];
    for (const [method, path] of requests) {
      const expected = await rawAnswer(koa.listener.origin, method, path);
      const actual = await rawAnswer(gateway.listener.origin, method, path);
      assert.equal(actual, expected, `${method} ${path}`);
    }
    // The statuses are what Koa decides, so the comparison above covers something.
    assert.match(await rawAnswer(gateway.listener.origin, 'GET', '/unrouted'), /^HTTP\/1.1 404 Not Found/);
    assert.match(await rawAnswer(gateway.listener.origin, 'GET', '/status-only'), /^HTTP\/1.1 418/);
    assert.match(await rawAnswer(gateway.listener.origin, 'GET', '/raw'), /^HTTP\/1.1 202[\s\S]*written by the route$/);
    // Koa's onerror saw the same errors, and so the node's 'http error' log keeps them.
    assert.deepEqual(gateway.errors, koa.errors);
    assert.ok(gateway.errors.includes('crash'));
  });

  it('is the handler Koa calls for each request (a Koa that stopped calling it would fail here)', async () => {
    const app = new GatewayKoa();
    let calls = 0;
    const handle = app.handleRequest.bind(app);
    app.handleRequest = (ctx, fn) => {
      calls++;
      return handle(ctx, fn);
    };
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const listener = await listenOnLoopback(createServer(app.callback()));
    served.push({ listener });
    const answer = await fetch(`${listener.origin}/`);
    assert.equal(await answer.text(), 'ok');
    assert.equal(calls, 1);
  });
});
