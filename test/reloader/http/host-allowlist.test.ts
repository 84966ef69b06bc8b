import assert from 'node:assert/strict';
import { request } from 'node:http';
import { buildAllowedHosts, hostNameOf, isHostAllowed } from '../../../reloader/http/host-allowlist.js';
import { readSettings, SettingsError } from '../../../reloader/settings.js';
import { LITERAL_SECRET, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';

/** GET with a chosen Host header, as a browser on a rebound name sends it. */
function getWithHost(url: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control plane Host allowlist (DNS rebinding)', () => {
  describe('the allowlist', () => {
    const allowed = buildAllowedHosts(['gw.example.com', 'Ops.Example.ORG:9090'], 'a1b2c3d4e5f6');

    it('allows localhost, IP addresses, the service name, the own hostname and the configured names, with any port', () => {
      for (const host of [
        'localhost:9090',
        'LOCALHOST',
        'localhost.',
        '127.0.0.1:9090',
        '[::1]:9090',
        '172.18.0.5:9090',
        'reloader:9090',
        'a1b2c3d4e5f6:9090',
        'gw.example.com',
        'ops.example.org:443',
      ]) {
        assert.equal(isHostAllowed(host, allowed), true, host);
      }
    });

    it('refuses any other name, including lookalikes', () => {
      for (const host of ['evil.example', 'evil.example:9090', 'localhost.evil.example', 'reloader.evil.example', 'example.com', '127.0.0.1.nip.io']) {
        assert.equal(isHostAllowed(host, allowed), false, host);
      }
      assert.equal(isHostAllowed('evil.example', '*'), true, '* turns the check off');
    });

    it('takes the name part of a Host header', () => {
      assert.equal(hostNameOf('Example.COM:8080'), 'example.com');
      assert.equal(hostNameOf('[::1]:9090'), '[::1]');
      assert.equal(hostNameOf('10.0.0.1'), '10.0.0.1');
    });

    it('reads RELOADER_ALLOWED_HOSTS: comma-separated names, * for any, empty for the defaults only', () => {
      assert.deepEqual(readSettings({}).allowedHosts, []);
      assert.deepEqual(readSettings({ RELOADER_ALLOWED_HOSTS: ' gw.example.com , ops.local:9090 ,' }).allowedHosts, ['gw.example.com', 'ops.local:9090']);
      assert.equal(readSettings({ RELOADER_ALLOWED_HOSTS: '*' }).allowedHosts, '*');
      assert.throws(
        () => readSettings({ RELOADER_ALLOWED_HOSTS: 'http://gw.example.com/' }),
        (e: unknown) => e instanceof SettingsError && /RELOADER_ALLOWED_HOSTS/.test(e.message),
      );
    });
  });

  describe('over HTTP', () => {
    let cp: ControlPlane;
    afterEach(async () => {
      await cp?.close();
    });

    it('a read-only (open) control plane refuses a rebound name with 403 saying how to allow it, and leaks nothing', async () => {
      cp = await startControlPlane({ text: sampleConfig({ auth: null }) });
      for (const path of ['/', '/assets/app.js', '/api/config', '/api/cluster', '/api/events', '/status']) {
        const answer = await getWithHost(cp.url + path, 'attacker.example:9090');
        assert.equal(answer.status, 403, path);
        const body = JSON.parse(answer.text) as { code: string; error: string };
        assert.equal(body.code, 'HOST_NOT_ALLOWED');
        assert.match(body.error, /"attacker\.example".*RELOADER_ALLOWED_HOSTS/);
        assert.doesNotMatch(answer.text, /gateway-1|providers|fingerprint/);
      }
      assert.equal((await getWithHost(`${cp.url}/api/config`, 'localhost:9090')).status, 200);
      assert.doesNotMatch((await getWithHost(`${cp.url}/api/config`, 'localhost:9090')).text, new RegExp(LITERAL_SECRET));
    });

    it('keeps what compose, the e2e tests and scripts use working: /health and /metrics for any name, loopback, the service name, IPs', async () => {
      cp = await startControlPlane({ text: sampleConfig({ auth: null }) });
      assert.equal((await getWithHost(`${cp.url}/health`, 'attacker.example')).status, 200);
      assert.equal((await getWithHost(`${cp.url}/metrics`, 'ai-gateway-reloader-1:9090')).status, 200);
      for (const host of [new URL(cp.url).host, 'localhost:9090', '[::1]:9090', 'reloader:9090', '172.18.0.7:9090']) {
        assert.equal((await getWithHost(`${cp.url}/status`, host)).status, 200, host);
        assert.equal((await getWithHost(`${cp.url}/api/cluster`, host)).status, 200, host);
      }
    });

    it('answers the names set in RELOADER_ALLOWED_HOSTS, and any name with *', async () => {
      cp = await startControlPlane({
        text: sampleConfig({ auth: null }),
        allowedHosts: buildAllowedHosts(readSettings({ RELOADER_ALLOWED_HOSTS: 'gw.example.com' }).allowedHosts),
      });
      assert.equal((await getWithHost(`${cp.url}/api/cluster`, 'gw.example.com:9090')).status, 200);
      assert.equal((await getWithHost(`${cp.url}/api/cluster`, 'other.example.com:9090')).status, 403);
      await cp.close();
      cp = await startControlPlane({ text: sampleConfig({ auth: null }), allowedHosts: buildAllowedHosts('*') });
      assert.equal((await getWithHost(`${cp.url}/api/cluster`, 'other.example.com:9090')).status, 200);
    });
  });
});
