import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { Context, Middleware, Next } from 'koa';

/**
 * DNS rebinding guard. A web page on attacker.example can make its own name resolve to
 * 127.0.0.1 and then read the reloader from the victim's browser as "same origin"; the one
 * thing it cannot change is the `Host` header, which stays attacker.example. So the reloader
 * answers only names it knows. An IP address as Host is always allowed: a rebinding attack
 * needs a name, and operators and probes reaching a container by IP must keep working.
 */

/** The names the reloader answers to; `*` = any (the check is off). */
export type AllowedHosts = ReadonlySet<string> | '*';

/** Names allowed whatever the setting: loopback, the compose service name and the container's own hostname. */
export function defaultHostNames(hostname: string = osHostname()): string[] {
  return ['localhost', 'reloader', hostname];
}

/** The allowlist: the defaults plus RELOADER_ALLOWED_HOSTS (or `*`). */
export function buildAllowedHosts(extra: readonly string[] | '*', hostname: string = osHostname()): AllowedHosts {
  if (extra === '*') return '*';
  return new Set([...defaultHostNames(hostname), ...extra].map(hostNameOf).filter((name) => name !== ''));
}

/** The name part of a Host header (or of a configured entry): port dropped, lower case, no trailing dot. */
export function hostNameOf(host: string): string {
  const trimmed = host.trim().toLowerCase();
  // [v6]:port keeps its brackets; name:port and v4:port lose the port.
  const name = trimmed.startsWith('[') ? trimmed.slice(0, trimmed.indexOf(']') + 1) : trimmed.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether a request's Host header may be answered. */
export function isHostAllowed(hostHeader: string, allowed: AllowedHosts): boolean {
  if (allowed === '*') return true;
  const name = hostNameOf(hostHeader);
  // No Host at all is no browser (every browser sends one): HTTP/1.0 tools and probes.
  if (name === '') return true;
  if (isIP(name.startsWith('[') ? name.slice(1, -1) : name) !== 0) return true;
  return allowed.has(name);
}

/** Paths answered for any Host: health checks and Prometheus, which may use any name; neither says anything worth stealing. */
const ANY_HOST_PATHS = new Set(['/health', '/metrics']);

/** Refuses (403 HOST_NOT_ALLOWED) a request for an unknown Host, except the probes' paths. */
export function refuseUnknownHosts(allowed: AllowedHosts): Middleware {
  return async (ctx: Context, next: Next) => {
    if (ANY_HOST_PATHS.has(ctx.path) || isHostAllowed(ctx.get('host'), allowed)) return next();
    const name = hostNameOf(ctx.get('host')).slice(0, 100);
    ctx.status = 403;
    ctx.body = {
      code: 'HOST_NOT_ALLOWED',
      error:
        `the reloader does not answer to the name "${name}" (a guard against DNS rebinding). If you reach it by that name, ` +
        `add it to RELOADER_ALLOWED_HOSTS (comma-separated; "*" turns the check off) in the reloader's environment and restart it. ` +
        'Always allowed: localhost, IP addresses, "reloader" and the container\'s hostname.',
    };
  };
}
