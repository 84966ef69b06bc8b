import { Router, type RouterMiddleware } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import compose from 'koa-compose';

/**
 * The node's routes. A request whose method and path are registered exactly (every inference
 * route) is dispatched by one Map lookup; anything else (path parameters, a trailing slash,
 * other letter case) goes through @koa/router, where every route is registered too, so both
 * ways answer the same. @koa/router alone tests each route's pattern and composes a new
 * middleware chain on every request: about 25 µs of CPU per request at 500 req/s with the
 * node's 30 routes (bench/profile-notes.md), for paths that are nearly always exact.
 */
export class RouteTable {
  private readonly router = new Router();
  private readonly exact = new Map<string, Middleware>();

  /** GET (and HEAD, as @koa/router does) at `path`. */
  get(path: string, ...middleware: RouterMiddleware[]): void {
    this.router.get(path, ...middleware);
    this.addExact(['GET', 'HEAD'], path, middleware);
  }

  /** POST at `path`. */
  post(path: string, ...middleware: RouterMiddleware[]): void {
    this.router.post(path, ...middleware);
    this.addExact(['POST'], path, middleware);
  }

  /** The middleware that dispatches requests to the routes. */
  routes(): Middleware {
    const exact = this.exact;
    const routed = this.router.routes() as Middleware;
    return function dispatchRoute(ctx: Context, next: Next): Promise<unknown> | unknown {
      const handler = exact.get(`${ctx.method} ${ctx.path}`);
      return handler ? handler(ctx, next) : routed(ctx, next);
    };
  }

  private addExact(methods: string[], path: string, middleware: RouterMiddleware[]): void {
    // A pattern (":id", "*rest", "(...)") is left to the router alone.
    if (/[:*(?]/.test(path)) return;
    // One handler (every inference route) is called as it is: a composed chain of one would
    // add a dispatch, a bound function and a promise per request. A handler's synchronous throw
    // still becomes a rejection in Koa's own chain around this one.
    const chain = middleware.length === 1 ? (middleware[0] as Middleware) : compose(middleware as Middleware[]);
    // The route label of metrics and logs, as @koa/router sets it.
    const handler: Middleware = (ctx, next) => {
      (ctx as Context & { _matchedRoute?: string })._matchedRoute = path;
      return chain(ctx, next);
    };
    for (const method of methods) this.exact.set(`${method} ${path}`, handler);
  }
}
