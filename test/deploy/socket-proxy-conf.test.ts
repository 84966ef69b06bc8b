/**
 * nginx/socket-proxy.conf's allowlist, read from the file and matched the way nginx matches its
 * `map` (against "<METHOD> <uri> ?<args>"). The real engine behind the proxy is exercised by the
 * end-to-end tier (scenario 1b); this pins which calls pass.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const CONF = readFileSync(resolve(import.meta.dirname, '..', '..', 'nginx', 'socket-proxy.conf'), 'utf8');
const ALLOW = [...CONF.matchAll(/^\s*"~([^"]+)"\s+1;/gm)].map((m) => new RegExp(m[1]!));

function allowed(method: string, path: string): boolean {
  const [uri, args = ''] = path.split('?');
  return ALLOW.some((pattern) => pattern.test(`${method} ${uri} ?${args}`));
}

describe('nginx/socket-proxy.conf', () => {
  it('reads its allowlist', () => {
    assert.ok(ALLOW.length >= 5, `allow rules found: ${ALLOW.length}`);
  });

  it("forwards the reloader's calls", () => {
    const filters = encodeURIComponent(JSON.stringify({ id: ['0123456789ab'] }));
    for (const [method, path] of [
      ['GET', '/_ping'],
      ['GET', `/v1.47/containers/json?all=1&filters=${filters}`],
      ['GET', '/containers/json?all=1'],
      ['GET', '/v1.47/containers/0123456789ab/logs?stdout=1&stderr=1&tail=20'],
      ['GET', '/v1.47/events?filters=%7B%7D'],
      ['POST', '/v1.47/containers/0123456789ab/stop?t=620'],
      ['POST', '/v1.47/containers/0123456789ab/start'],
      ['POST', '/v1.47/containers/0123456789ab/kill?signal=SIGHUP'],
    ] as const) {
      assert.ok(allowed(method, path), `${method} ${path} is forwarded`);
    }
  });

  it("refuses a container's inspect, whose answer holds its environment (the provider keys)", () => {
    for (const path of ['/containers/0123456789ab/json', '/v1.47/containers/0123456789ab/json?size=false', '/v1.24/containers/gateway-1/json']) {
      assert.equal(allowed('GET', path), false, `GET ${path} is refused`);
    }
  });

  it('refuses anything else: creating, exec, export, a signal other than SIGHUP however spelled', () => {
    for (const [method, path] of [
      ['POST', '/containers/create'],
      ['POST', '/containers/0123456789ab/exec'],
      ['GET', '/containers/0123456789ab/export'],
      ['GET', '/containers/0123456789ab/archive?path=/run/secrets'],
      ['POST', '/containers/0123456789ab/kill?signal=SIGKILL'],
      ['POST', '/containers/0123456789ab/kill?Signal=HUP&signal=KILL'],
      ['POST', '/containers/0123456789ab/kill'],
      ['GET', '/images/json'],
    ] as const) {
      assert.equal(allowed(method, path), false, `${method} ${path} is refused`);
    }
  });
});
