import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkAuthorization, equalSecret, readAuthConfig } from '../../../reloader/http/auth.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { call } from './http-call.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('control plane auth', () => {
  describe('checkAuthorization', () => {
    const credentials = { basic: { username: 'admin', password: 'pw-123' }, token: ADMIN_TOKEN };

    it('accepts the admin user and password, the token as Bearer, and the token as a Basic password', () => {
      assert.deepEqual(checkAuthorization(basic('admin', 'pw-123'), credentials), { kind: 'ok', who: 'admin' });
      assert.deepEqual(checkAuthorization(`Bearer ${ADMIN_TOKEN}`, credentials), { kind: 'ok', who: 'token' });
      assert.deepEqual(checkAuthorization(basic('anyone', ADMIN_TOKEN), credentials), { kind: 'ok', who: 'token' });
    });

    it('refuses a wrong user, a wrong password, a wrong token, another scheme, and says when nothing was sent', () => {
      for (const header of [basic('root', 'pw-123'), basic('admin', 'pw-1234'), basic('admin', ''), 'Bearer nope', 'Digest x', 'Basic !!!']) {
        assert.equal(checkAuthorization(header, credentials).kind, 'wrong', header);
      }
      assert.equal(checkAuthorization(undefined, credentials).kind, 'missing');
      assert.equal(checkAuthorization(basic('admin', 'x'), {}).kind, 'none-configured');
    });

    it('compares in constant time over hashes (any length)', () => {
      assert.equal(equalSecret('a', 'a'), true);
      assert.equal(equalSecret('a', 'a'.repeat(1000)), false);
    });

    it('reads governance.auth_config, resolving env.NAME from the environment; empty or unset means none', () => {
      const text = sampleConfig({ auth: { username: 'env.ADMIN_USER', password: 'env.ADMIN_PW' } });
      assert.deepEqual(readAuthConfig(text, { ADMIN_USER: 'ops', ADMIN_PW: 'pw' }), { username: 'ops', password: 'pw' });
      assert.equal(readAuthConfig(text, { ADMIN_USER: 'ops' }), undefined);
      assert.equal(readAuthConfig(sampleConfig({ auth: null }), {}), undefined);
      assert.equal(readAuthConfig('{ broken', {}), 'unparseable');
    });
  });

  describe('over HTTP', () => {
    let cp: ControlPlane;
    afterEach(async () => {
      await cp?.close();
    });

    it('POST /rollout needs the admin credentials once they are configured, and refuses a cross-site browser request', async () => {
      cp = await startControlPlane({ token: ADMIN_TOKEN });
      const anonymous = await call(cp, 'POST', '/rollout');
      assert.equal(anonymous.status, 401);
      const crossSite = await fetch(`${cp.url}/rollout`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(crossSite.status, 403);
      assert.equal(((await crossSite.json()) as { code: string }).code, 'CROSS_SITE_REFUSED');
      // Behind a proxy that ends TLS, the page's origin is https:// and the reloader sees http.
      const sameSiteOverTls = await fetch(`${cp.url}/rollout`, {
        method: 'POST',
        headers: { origin: `https://${new URL(cp.url).host}`, authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.notEqual(sameSiteOverTls.status, 403);
      assert.notEqual(sameSiteOverTls.status, 401);
      const admin = await call(cp, 'POST', '/rollout', { auth: `Bearer ${ADMIN_TOKEN}` });
      assert.notEqual(admin.status, 401);
      assert.notEqual(admin.status, 403);
    });

    it('with credentials configured, the page and every /api route answer 401 with a Basic challenge without them', async () => {
      cp = await startControlPlane();
      for (const [method, path] of [
        ['GET', '/'],
        ['GET', '/assets/app.js'],
        ['GET', '/api/config'],
        ['GET', '/api/cluster'],
        ['GET', '/api/rollouts'],
        ['GET', '/api/config/history'],
        ['POST', '/api/config/validate'],
        ['PUT', '/api/config'],
      ] as const) {
        const answer = await call(cp, method, path, method === 'GET' ? {} : { body: { text: '{}' } });
        assert.equal(answer.status, 401, `${method} ${path}`);
        assert.equal((answer.json as { code: string }).code, 'AUTH_REQUIRED');
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      }
      const wrong = await call(cp, 'GET', '/api/config', { auth: basic('admin', 'guess') });
      assert.equal(wrong.status, 401);
      assert.ok(cp.records.some((r) => r.event === 'api-auth-failed'));
      assert.equal((await call(cp, 'GET', '/', { auth: cp.basic() })).status, 200);
      // The operational endpoints are unchanged.
      assert.equal((await call(cp, 'GET', '/health')).status, 200);
      assert.equal((await call(cp, 'GET', '/status')).status, 200);
    });

    it("the token from RELOADER_ADMIN_TOKEN works as Bearer and is the audit line's author", async () => {
      cp = await startControlPlane({ token: ADMIN_TOKEN });
      const read = (await call(cp, 'GET', '/api/config', { auth: `Bearer ${ADMIN_TOKEN}` })).json as { text: string; fingerprint: string };
      const put = await call(cp, 'PUT', '/api/config', {
        auth: `Bearer ${ADMIN_TOKEN}`,
        ifMatch: read.fingerprint,
        body: { text: read.text.replace('"weight": 1', '"weight": 4') },
      });
      assert.equal(put.status, 200, put.text);
      assert.equal(cp.records.find((r) => r.event === 'config-written')?.who, 'token');
    });

    it('a write needs content-type: application/json (a cross-site form cannot send it)', async () => {
      cp = await startControlPlane();
      const before = readFileSync(cp.path, 'utf8');
      const form = await call(cp, 'PUT', '/api/config', {
        auth: cp.basic(),
        ifMatch: 'x',
        body: 'text=%7B%7D',
        contentType: 'application/x-www-form-urlencoded',
      });
      assert.equal(form.status, 415);
      assert.equal((form.json as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
      const plain = await call(cp, 'POST', '/api/config/rollback/1', { auth: cp.basic(), body: '{}', contentType: 'text/plain' });
      assert.equal(plain.status, 415);
      assert.equal(readFileSync(cp.path, 'utf8'), before);
    });

    it('without credentials configured the API is read-only: reads answer, every write is 403 saying how to enable writes', async () => {
      cp = await startControlPlane({ text: sampleConfig({ auth: null }) });
      const before = readFileSync(cp.path, 'utf8');
      const read = await call(cp, 'GET', '/api/config');
      assert.equal(read.status, 200);
      assert.equal((read.json as { writable: boolean }).writable, false);
      assert.equal((await call(cp, 'GET', '/')).status, 200);
      assert.equal((await call(cp, 'POST', '/api/config/validate', { body: { text: before } })).status, 200);
      for (const [method, path] of [
        ['PUT', '/api/config'],
        ['POST', '/api/config/rollback/1'],
      ] as const) {
        const answer = await call(cp, method, path, {
          auth: basic('admin', ADMIN_PASSWORD),
          ifMatch: (read.json as { fingerprint: string }).fingerprint,
          body: { text: before },
        });
        assert.equal(answer.status, 403, `${method} ${path}`);
        assert.equal((answer.json as { code: string }).code, 'WRITES_DISABLED');
        assert.match((answer.json as { error: string }).error, /governance\.auth_config.*RELOADER_ADMIN_TOKEN/);
      }
      assert.equal(readFileSync(cp.path, 'utf8'), before);
    });

    it('sends a strict Content-Security-Policy and no-sniff/deny-frame headers with the page and the API', async () => {
      cp = await startControlPlane();
      for (const path of ['/', '/api/config', '/assets/app.js']) {
        const answer = await call(cp, 'GET', path, { auth: cp.basic() });
        assert.equal(answer.status, 200, path);
        const csp = answer.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'none'; script-src 'self'; style-src 'self'/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      }
      for (const name of ['constructor', '__proto__', '..%2Fapp.ts', 'index.html']) {
        assert.equal((await call(cp, 'GET', `/assets/${name}`, { auth: cp.basic() })).status, 404, name);
      }
      const page = await call(cp, 'GET', '/', { auth: cp.basic() });
      assert.ok(!/https?:\/\//.test(page.text.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')), 'the page loads nothing from elsewhere');
    });
  });
});
