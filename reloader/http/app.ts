import Router from '@koa/router';
import Koa from 'koa';
import { challenge } from './auth.js';
import type { Logger } from '../../shared/logger.js';
import type { ConfigEditor } from '../config/config-editor.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import type { AdminCredentials } from './auth.js';
import { addClusterRoutes } from './cluster-routes.js';
import { addConfigRoutes } from './config-routes.js';
import { EventFeed } from './events.js';
import { ApiError } from '../errors.js';
import { answerErrors, authenticate, requireAdmin, setSecurityHeaders, type LoginThrottle } from './guard.js';
import { LoginLimiter } from './login-limiter.js';
import { buildAllowedHosts, refuseUnknownHosts, type AllowedHosts } from './host-allowlist.js';
import type { NodeMetricsCollector } from './node-metrics.js';
import type { NodeApiClient } from './node-api.js';
import { addNodeApiRoutes } from './node-api-routes.js';
import { addPageRoutes } from './page-routes.js';
import type { ReloaderStatus } from './status.js';

/** The control plane: the page and the /api routes (config editor, cluster, events). */
export interface ControlPlaneDeps {
  editor: ConfigEditor;
  credentials: () => Promise<AdminCredentials>;
  nodeMetrics: NodeMetricsCollector;
  /** Reads a node's governance usage and request log, for the page's panels. */
  nodeApi: NodeApiClient;
  logger: Logger;
  /** How often the event feed reads the status (default 250 ms). */
  eventsPollMs?: number;
  /** GET /api/events streams open at once (default 64); more answer 503 EVENTS_BUSY. */
  maxEventStreams?: number;
  /** Failed-login lockout per client IP (default: 10 failures a minute lock the IP for a minute). */
  loginLimiter?: LoginLimiter;
}

/** What the HTTP interface reads and triggers. */
export interface HttpDeps {
  status: () => ReloaderStatus;
  requestRollout: () => 'started' | 'busy' | 'no-valid-config';
  metrics: ReloaderMetrics;
  /** The page and the /api routes; absent = only the operational endpoints. */
  control?: ControlPlaneDeps;
  /** Host names answered (DNS rebinding guard); default: localhost, IP addresses, reloader, own hostname. */
  allowedHosts?: AllowedHosts;
}

/**
 * Builds the reloader's HTTP app (never listens): /health, /status, POST /rollout, /metrics, and
 * the control plane, all but /health for allowed Host names only.
 */
export function createReloaderApp(deps: HttpDeps): Koa {
  const app = new Koa();
  const router = new Router();
  const throttle: LoginThrottle = { limiter: deps.control?.loginLimiter ?? new LoginLimiter(), metrics: deps.metrics };
  const control = deps.control;
  // First: a rebound name must not reach /status, the page or the API.
  app.use(refuseUnknownHosts(deps.allowedHosts ?? buildAllowedHosts([])));

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/status', (ctx) => {
    ctx.body = deps.status();
  });
  router.post('/rollout', async (ctx) => {
    const refusal = await refuseRolloutRequest(ctx, control && { control, throttle });
    if (refusal) {
      ctx.status = refusal.status;
      ctx.body = { code: refusal.code, error: refusal.error };
      if (refusal.status === 401) challenge(ctx);
      return;
    }
    const outcome = deps.requestRollout();
    if (outcome !== 'started') {
      ctx.status = 409;
      ctx.body = {
        error: outcome === 'busy' ? 'a rollout is already running; see GET /status' : 'no valid config has been read yet; see GET /status',
      };
      return;
    }
    ctx.status = 202;
    ctx.body = { status: 'accepted', message: 'every node will be restarted one at a time; follow GET /status' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  app.use(router.routes()).use(router.allowedMethods());

  if (control) app.use(createControlPlane(deps.status, control, throttle));
  return app;
}

/**
 * POST /rollout restarts every node: safe, but not for any web page to trigger. A browser
 * always sends `Origin` on a cross-site POST (curl and scripts send none), so a foreign
 * origin is refused (CSRF); and once admin credentials are configured, they are required
 * here as on the API.
 */
async function refuseRolloutRequest(
  ctx: Koa.Context,
  auth: { control: ControlPlaneDeps; throttle: LoginThrottle } | undefined,
): Promise<{ status: number; code: string; error: string } | undefined> {
  const origin = ctx.get('origin');
  if (origin !== '' && !isSameHost(origin, ctx.host)) {
    return { status: 403, code: 'CROSS_SITE_REFUSED', error: 'POST /rollout from another site is refused' };
  }
  if (!auth) return undefined;
  let verdict: Awaited<ReturnType<typeof authenticate>>;
  try {
    // The same lockout as the API's: POST /rollout must not be a side door for guessing.
    verdict = await authenticate(ctx, auth.control.credentials, auth.throttle, auth.control.logger);
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code, error: error.message };
    throw error;
  }
  if (verdict.kind === 'missing' || verdict.kind === 'wrong') {
    return { status: 401, code: 'AUTH_REQUIRED', error: 'admin credentials required (HTTP Basic with governance.auth_config, or Bearer RELOADER_ADMIN_TOKEN)' };
  }
  return undefined;
}

/**
 * Whether a browser's `Origin` names the host the request came to. The scheme is not compared:
 * behind a proxy that ends TLS the page is https:// while the reloader sees http, and another
 * site cannot take this host's name, whatever its scheme.
 */
function isSameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/** The page and the API behind the security headers, the error answers and the admin check. */
function createControlPlane(status: () => ReloaderStatus, control: ControlPlaneDeps, throttle: LoginThrottle): Koa.Middleware {
  const router = new Router();
  addPageRoutes(router);
  addConfigRoutes(router, control.editor);
  addClusterRoutes(router, status, control.nodeMetrics, new EventFeed(status, control.eventsPollMs), control.maxEventStreams);
  addNodeApiRoutes(router, { status, credentials: control.credentials, client: control.nodeApi });
  // The router's middleware expects its own context type; it is the same Koa context at run time.
  const guarded: Koa.Middleware[] = [
    setSecurityHeaders(),
    answerErrors(control.logger),
    requireAdmin(control.credentials, throttle, control.logger),
    router.routes() as unknown as Koa.Middleware,
    router.allowedMethods() as unknown as Koa.Middleware,
  ];
  // Only the page and the API go through the admin check; /health, /status, /metrics stay as they were.
  return async (ctx, next) => {
    if (ctx.path !== '/' && !ctx.path.startsWith('/api/') && !ctx.path.startsWith('/assets/')) return next();
    let index = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called twice');
      index = i;
      const middleware = guarded[i];
      if (middleware) await middleware(ctx, () => run(i + 1));
      else await next();
    };
    await run(0);
  };
}
