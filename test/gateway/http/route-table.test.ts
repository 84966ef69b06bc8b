import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import Koa, { type Context } from 'koa';
import { RouteTable } from '../../../gateway/http/route-table.js';
import { listenOnLoopback, type LoopbackListener } from '../../support/loopback-server.js';

/** A Koa app on a RouteTable whose handlers answer what they saw: the route label, params, and how often they ran. */
async function serve(register: (routes: RouteTable, calls: string[]) => void): Promise<{ listener: LoopbackListener; calls: string[] }> {
  const app = new Koa();
  const calls: string[] = [];
  // The outermost middleware reads the label the way the node's request context does, after the routes ran.
  app.use(async (ctx, next) => {
    await next();
    ctx.set('x-route', String((ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched'));
  });
  const routes = new RouteTable();
  register(routes, calls);
  app.use(routes.routes());
  return { listener: await listenOnLoopback(createServer(app.callback())), calls };
}

describe('RouteTable', () => {
  let listener: LoopbackListener | undefined;
  afterEach(async () => listener?.close());

  it('answers an exact path once, with its route label', async () => {
    const served = await serve((routes, calls) =>
      routes.post('/v1/chat/completions', (ctx) => {
        calls.push(ctx.path);
        ctx.body = { ok: true };
      }),
    );
    listener = served.listener;
    const response = await fetch(`${listener.origin}/v1/chat/completions?x=1`, { method: 'POST' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    assert.equal(response.headers.get('x-route'), '/v1/chat/completions');
    assert.deepEqual(served.calls, ['/v1/chat/completions']);
  });

  it('serves what @koa/router alone served: a trailing slash, other letter case, path parameters, HEAD on GET routes', async () => {
    const served = await serve((routes) => {
      routes.post('/v1/chat/completions', (ctx) => {
        ctx.body = { route: 'chat' };
      });
      routes.get('/api/logs/:id', (ctx) => {
        ctx.body = { id: ctx.params.id };
      });
      routes.get('/health', (ctx) => {
        ctx.body = { status: 'ok' };
      });
    });
    listener = served.listener;
    for (const path of ['/v1/chat/completions/', '/V1/Chat/Completions']) {
      const response = await fetch(`${listener.origin}${path}`, { method: 'POST' });
      assert.deepEqual(await response.json(), { route: 'chat' }, path);
      assert.equal(response.headers.get('x-route'), '/v1/chat/completions', path);
    }
    const byId = await fetch(`${listener.origin}/api/logs/abc-1`);
    assert.deepEqual(await byId.json(), { id: 'abc-1' });
    assert.equal(byId.headers.get('x-route'), '/api/logs/:id');
    const head = await fetch(`${listener.origin}/health`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('leaves another method on a known path, and unknown paths, unanswered (the node then answers 404)', async () => {
    const served = await serve((routes) =>
      routes.post('/v1/chat/completions', (ctx) => {
        ctx.body = { route: 'chat' };
      }),
    );
    listener = served.listener;
    const wrongMethod = await fetch(`${listener.origin}/v1/chat/completions`);
    assert.equal(wrongMethod.status, 404);
    const unknown = await fetch(`${listener.origin}/v1/nothing`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-route'), 'unmatched');
  });

  it('runs every middleware of a route in order (an auth check before its handler)', async () => {
    const served = await serve((routes, calls) =>
      routes.get(
        '/api/logs',
        async (ctx, next) => {
          calls.push('auth');
          if (ctx.get('authorization') !== 'ok') {
            ctx.status = 401;
            return;
          }
          await next();
        },
        (ctx) => {
          calls.push('handler');
          ctx.body = { rows: [] };
        },
      ),
    );
    listener = served.listener;
    assert.equal((await fetch(`${listener.origin}/api/logs`)).status, 401);
    assert.equal((await fetch(`${listener.origin}/api/logs`, { headers: { authorization: 'ok' } })).status, 200);
    assert.deepEqual(served.calls, ['auth', 'auth', 'handler']);
  });

  it('answers a handler that throws at once as one whose promise rejects, and hands on to the next middleware', async () => {
    const served = await serve((routes, calls) => {
      routes.post('/throws', () => {
        calls.push('throws');
        throw Object.assign(new Error('refused at once'), { status: 400, expose: true });
      });
      routes.post('/rejects', async () => {
        calls.push('rejects');
        throw Object.assign(new Error('refused later'), { status: 400, expose: true });
      });
      routes.post('/passes', (_ctx, next) => next());
    });
    listener = served.listener;
    const atOnce = await fetch(`${listener.origin}/throws`, { method: 'POST' });
    const later = await fetch(`${listener.origin}/rejects`, { method: 'POST' });
    assert.deepEqual([atOnce.status, await atOnce.text()], [400, 'refused at once']);
    assert.deepEqual([later.status, await later.text()], [400, 'refused later']);
    assert.equal((await fetch(`${listener.origin}/passes`, { method: 'POST' })).status, 404);
    assert.deepEqual(served.calls, ['throws', 'rejects']);
  });
});
