import type { Context, Next } from 'koa';

/**
 * `client.allowed_origins` (Bifrost's CORS list, default ["*"]): allowed browser origins get
 * the CORS headers, and preflight requests are answered without reaching the routes.
 */
export function createCorsMiddleware(allowedOrigins: readonly string[]) {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return async function applyCors(ctx: Context, next: Next): Promise<void> {
    const origin = ctx.get('origin');
    if (origin && (any || allowed.has(origin))) {
      ctx.set('access-control-allow-origin', any ? '*' : origin);
      if (!any) ctx.vary('origin');
      if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
        ctx.set('access-control-allow-methods', 'GET, POST, OPTIONS');
        ctx.set('access-control-allow-headers', ctx.get('access-control-request-headers') || 'content-type, authorization');
        ctx.set('access-control-max-age', '600');
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}
