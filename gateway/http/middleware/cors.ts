import type { Context } from 'koa';

/**
 * `client.allowed_origins` (Bifrost's CORS list, default ["*"]): allowed browser origins get
 * the CORS headers, and preflight requests are answered without reaching the routes. The step
 * returns true when it answered the request itself (a preflight).
 */
export function createCorsStep(allowedOrigins: readonly string[]): (ctx: Context) => boolean {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return function applyCors(ctx: Context): boolean {
    const origin = ctx.get('origin');
    if (!origin || !(any || allowed.has(origin))) return false;
    ctx.set('access-control-allow-origin', any ? '*' : origin);
    if (!any) ctx.vary('origin');
    if (ctx.method !== 'OPTIONS' || !ctx.get('access-control-request-method')) return false;
    ctx.set('access-control-allow-methods', 'GET, POST, OPTIONS');
    ctx.set('access-control-allow-headers', ctx.get('access-control-request-headers') || 'content-type, authorization');
    ctx.set('access-control-max-age', '600');
    ctx.status = 204;
    return true;
  };
}
