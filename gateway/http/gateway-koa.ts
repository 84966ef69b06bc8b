import Koa, { type Context } from 'koa';

type ComposedMiddleware = (ctx: Context) => Promise<unknown>;

/** Koa's own request handling (`Application.prototype.handleRequest`), which its typings leave out. */
interface KoaRequestHandling {
  handleRequest(ctx: Context, fnMiddleware: ComposedMiddleware): Promise<unknown>;
}

const koaHandleRequest = (Koa.prototype as unknown as KoaRequestHandling).handleRequest;

/**
 * Koa, except for the responses the routes send themselves (`ctx.respond = false`: every
 * inference answer, JSON or streamed). Koa watches each response with on-finished before the
 * middleware runs, to report a socket error through `ctx.onerror`: an AsyncResource and six
 * listeners on the response and its socket, added and removed, about 12 µs a request at
 * 500 req/s (bench/profile-notes.md). Koa writes nothing for those responses, and the request
 * context's own 'close' listener already settles them (499 for a client gone), so here the
 * middleware runs first and Koa's handling follows only for the responses it writes.
 *
 * Those get Koa's handling unchanged: the status the middleware set is replayed into Koa's
 * handleRequest (which resets it to 404 before its middleware), so Koa's respond and onerror
 * answer exactly as they would have. A middleware's rejection reaches Koa's onerror the same way.
 */
export class GatewayKoa extends Koa {
  /** Called by Koa's `callback()` for every request (Koa marks it private; tests pin that it runs). */
  handleRequest(ctx: Context, fnMiddleware: ComposedMiddleware): Promise<unknown> {
    const res = ctx.res;
    res.statusCode = 404;
    return fnMiddleware(ctx).then(
      () => {
        if (ctx.respond === false) return undefined;
        const status = res.statusCode;
        return koaHandleRequest.call(this, ctx, () => {
          res.statusCode = status;
          return Promise.resolve();
        });
      },
      (error: unknown) => koaHandleRequest.call(this, ctx, () => Promise.reject(error)),
    );
  }
}
