import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../../shared/logger.js';
import { ApiError, ReloaderError } from '../errors.js';
import { LogEvent } from '../observability/log-events.js';
import type { ReloaderMetrics } from '../observability/metrics.js';
import { challenge, checkAuthorization, ENABLE_WRITES_HINT, type AdminCredentials, type AuthVerdict } from './auth.js';
import type { LoginLimiter } from './login-limiter.js';

/** What the guard leaves on ctx.state for the routes. */
export interface GuardState {
  /** Who made the request (admin user name or `token`); undefined without credentials configured. */
  who?: string;
  /** Whether this request could write (credentials configured and given). */
  writable: boolean;
}

/** The page's Content-Security-Policy: only its own script, style and API; nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Security headers on every answer of the control plane. */
export function setSecurityHeaders(): Middleware {
  return async (ctx: Context, next: Next) => {
    ctx.set({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    await next();
  };
}

/** Answers a ReloaderError thrown by a route as JSON `{ code, error, ...details }` with its status. */
export function answerErrors(logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ApiError) {
        ctx.status = error.status;
        ctx.body = { code: error.code, error: error.message, ...error.details };
        return;
      }
      if (error instanceof ReloaderError) {
        ctx.status = 500;
        ctx.body = { code: error.code, error: error.message };
        return;
      }
      logger.error({ event: LogEvent.reconcileFailed, err: error, path: ctx.path }, 'control plane request failed');
      ctx.status = 500;
      ctx.body = { code: 'INTERNAL', error: 'internal error; see the reloader log' };
    }
  };
}

/** The failed-login limiter and the metrics its refusals are counted in. */
export interface LoginThrottle {
  limiter: LoginLimiter;
  metrics: Pick<ReloaderMetrics, 'loginFailures' | 'loginLockouts'>;
}

/**
 * Checks a request's Authorization header, counting wrong credentials per client IP. While
 * the IP is locked out it throws 429 with Retry-After before looking at the credentials at
 * all: a right guess during the lockout is refused like a wrong one, so guessing gains nothing.
 */
export async function authenticate(ctx: Context, credentials: () => Promise<AdminCredentials>, throttle: LoginThrottle, logger: Logger): Promise<AuthVerdict> {
  const configured = await credentials();
  const ip = ctx.ip;
  const wait = throttle.limiter.retryAfterS(ip);
  if (wait > 0 && (configured.basic || configured.token)) {
    ctx.set('Retry-After', String(wait));
    throw new ApiError('TOO_MANY_LOGIN_FAILURES', `too many wrong admin credentials from this address: try again in ${wait} s`, { retry_after_s: wait });
  }
  const verdict = checkAuthorization(ctx.get('authorization') || undefined, configured);
  if (verdict.kind === 'ok') throttle.limiter.recordSuccess(ip);
  if (verdict.kind !== 'wrong') return verdict;
  throttle.metrics.loginFailures.inc();
  logger.warn({ event: LogEvent.apiAuthFailed, method: ctx.method, path: ctx.path, ip }, 'control plane: wrong credentials');
  const outcome = throttle.limiter.recordFailure(ip);
  if (outcome.kind === 'locked') {
    throttle.metrics.loginLockouts.inc();
    logger.warn(
      { event: LogEvent.apiLoginLocked, ip, failures: throttle.limiter.maxFailures, retry_after_s: outcome.retryAfterS },
      `control plane: ${ip} locked out for ${outcome.retryAfterS} s after ${throttle.limiter.maxFailures} wrong credentials`,
    );
  }
  return verdict;
}

/**
 * Authenticates the page and the API. With credentials configured, every request needs them
 * (401 with a Basic challenge, so a browser shows its login prompt). Without, reads are open
 * and writes answer 403 saying how to enable them. A write also needs
 * `content-type: application/json`: a cross-site HTML form cannot send that without a CORS
 * preflight, which this server never grants, so a browser's cached Basic credentials cannot
 * be used by another site to write (CSRF).
 */
export function requireAdmin(credentials: () => Promise<AdminCredentials>, throttle: LoginThrottle, logger: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    const verdict = await authenticate(ctx, credentials, throttle, logger);
    const write = ctx.method !== 'GET' && ctx.method !== 'HEAD';
    if (verdict.kind === 'missing' || verdict.kind === 'wrong') {
      challenge(ctx);
      throw new ApiError('AUTH_REQUIRED', 'admin credentials required (HTTP Basic with governance.auth_config, or Bearer RELOADER_ADMIN_TOKEN)');
    }
    const state: GuardState = verdict.kind === 'ok' ? { who: verdict.who, writable: true } : { writable: false };
    Object.assign(ctx.state, state);
    if (write && !isReadOnlyPost(ctx)) {
      if (!state.writable) {
        logger.warn({ event: LogEvent.apiWriteRefused, method: ctx.method, path: ctx.path }, 'control plane: write refused, no admin credentials configured');
        throw new ApiError('WRITES_DISABLED', ENABLE_WRITES_HINT);
      }
    }
    if (write && !ctx.is('application/json')) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with content-type: application/json');
    }
    await next();
  };
}

/** POST /api/config/validate changes nothing: open like a read. */
function isReadOnlyPost(ctx: Context): boolean {
  return ctx.method === 'POST' && ctx.path === '/api/config/validate';
}
