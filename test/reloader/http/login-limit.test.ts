import assert from 'node:assert/strict';
import { request } from 'node:http';
import { LoginLimiter } from '../../../reloader/http/login-limiter.js';
import { ADMIN_PASSWORD, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { call } from './http-call.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** GET from another loopback source address (127.0.0.2), i.e. another client IP. */
function getFrom(localAddress: string, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control plane failed-login lockout', () => {
  describe('LoginLimiter', () => {
    it('locks an IP on its 10th failure within a minute, for a minute, then lets it try again', () => {
      let now = 0;
      const limiter = new LoginLimiter({ now: () => now });
      for (let i = 1; i <= 9; i++) assert.deepEqual(limiter.recordFailure('10.0.0.1'), { kind: 'counted', failures: i });
      assert.equal(limiter.retryAfterS('10.0.0.1'), 0);
      assert.deepEqual(limiter.recordFailure('10.0.0.1'), { kind: 'locked', retryAfterS: 60 });
      assert.equal(limiter.retryAfterS('10.0.0.1'), 60);
      assert.equal(limiter.retryAfterS('10.0.0.2'), 0, 'another IP is not locked');
      now = 45_500;
      assert.equal(limiter.retryAfterS('10.0.0.1'), 15);
      now = 60_000;
      assert.equal(limiter.retryAfterS('10.0.0.1'), 0);
      assert.deepEqual(limiter.recordFailure('10.0.0.1'), { kind: 'counted', failures: 1 }, 'a fresh window after the lockout');
    });

    it('forgets failures older than the window, and a correct login clears the count', () => {
      let now = 0;
      const limiter = new LoginLimiter({ now: () => now });
      for (let i = 0; i < 9; i++) limiter.recordFailure('10.0.0.1');
      now = 61_000;
      assert.deepEqual(limiter.recordFailure('10.0.0.1'), { kind: 'counted', failures: 1 });
      for (let i = 0; i < 5; i++) limiter.recordFailure('10.0.0.1');
      limiter.recordSuccess('10.0.0.1');
      assert.deepEqual(limiter.recordFailure('10.0.0.1'), { kind: 'counted', failures: 1 });
    });

    it('holds at most maxEntries IPs, dropping expired ones first, then the least recently seen', () => {
      let now = 0;
      const limiter = new LoginLimiter({ maxEntries: 2, now: () => now });
      limiter.recordFailure('x'); // window from 0
      now = 30_000;
      limiter.recordFailure('y'); // window from 30 s
      now = 50_000;
      limiter.recordFailure('x'); // touched last, but its window (from 0) is over at 60 s
      now = 65_000;
      limiter.recordFailure('z');
      assert.equal(limiter.size, 2);
      assert.deepEqual(limiter.recordFailure('y'), { kind: 'counted', failures: 2 }, 'y (live) kept; x (expired) dropped');
      // A flood of addresses never grows the table past its cap.
      const big = new LoginLimiter({ maxEntries: 100, now: () => now });
      for (let i = 0; i < 5000; i++) big.recordFailure(`10.2.${i >> 8}.${i & 255}`);
      assert.equal(big.size, 100);
    });
  });

  describe('over HTTP', () => {
    let cp: ControlPlane;
    afterEach(async () => {
      await cp?.close();
    });

    it('after 10 wrong passwords an IP gets 429 with Retry-After, even with the right password; other IPs still sign in', async () => {
      cp = await startControlPlane();
      for (let i = 0; i < 10; i++) assert.equal((await call(cp, 'GET', '/api/cluster', { auth: basic('admin', `guess-${i}`) })).status, 401);
      const locked = await call(cp, 'GET', '/api/cluster', { auth: cp.basic() });
      assert.equal(locked.status, 429);
      assert.equal((locked.json as { code: string }).code, 'TOO_MANY_LOGIN_FAILURES');
      const retryAfter = Number(locked.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.doesNotMatch(locked.text, new RegExp(ADMIN_PASSWORD));
      // POST /rollout is no side door.
      assert.equal((await call(cp, 'POST', '/rollout', { auth: cp.basic() })).status, 429);
      assert.equal(await getFrom('127.0.0.2', `${cp.url}/api/cluster`, cp.basic()), 200);
      assert.equal(await getFrom('127.0.0.2', `${cp.url}/api/cluster`, basic('admin', 'nope')), 401);

      const lockLines = cp.records.filter((r) => r.event === 'api-login-locked');
      assert.equal(lockLines.length, 1);
      assert.equal(lockLines[0]?.ip, '127.0.0.1');
      const metrics = (await call(cp, 'GET', '/metrics')).text;
      assert.match(metrics, /^reloader_login_lockouts_total 1$/m);
      assert.match(metrics, /^reloader_login_failures_total 11$/m);
    });

    it('lets the IP in again once the lockout is over', async () => {
      let now = Date.now();
      cp = await startControlPlane({ loginLimiter: new LoginLimiter({ maxFailures: 3, now: () => now }) });
      for (let i = 0; i < 3; i++) await call(cp, 'GET', '/api/config', { auth: basic('admin', 'wrong') });
      assert.equal((await call(cp, 'GET', '/api/config', { auth: cp.basic() })).status, 429);
      now += 61_000;
      assert.equal((await call(cp, 'GET', '/api/config', { auth: cp.basic() })).status, 200);
    });
  });
});
