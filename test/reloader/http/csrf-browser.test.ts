import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fingerprintOf } from '../../../shared/config/index.js';
import { launchHeadlessChromium } from '../../support/headless-chromium.js';
import { listenOnLoopback, type LoopbackListener } from '../../support/loopback-server.js';
import { ADMIN_PASSWORD, startControlPlane, type ControlPlane } from './control-plane-harness.js';

/** A page of another site: an empty document the test drives, as a hostile page's script would. */
function startOtherSite(): Promise<LoopbackListener> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another site</title><body></body>');
  });
  return listenOnLoopback(server);
}

/**
 * The control plane's defences against cross-site requests, in a real browser: an admin who has
 * the page open (the browser holds the Basic credentials) visits another site, whose script
 * tries every way a page can write to the reloader. The other site is `localhost`, the reloader
 * `127.0.0.1`: different sites to the browser, both on loopback here.
 */
describe('control plane against cross-site requests (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cp: ControlPlane;
  let otherSite: LoopbackListener;
  /** The other site by name: `localhost` is another site than the reloader's `127.0.0.1`. */
  let otherSiteUrl: string;

  before(async () => {
    browser = await launchHeadlessChromium();
    otherSite = await startOtherSite();
    otherSiteUrl = `http://localhost:${new URL(otherSite.origin).port}/`;
  });
  after(async () => {
    await browser?.close();
    await otherSite?.close();
  });

  beforeEach(async () => {
    cp = await startControlPlane();
    context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_PASSWORD } });
    page = await context.newPage();
    // The admin's session: the page loaded with the credentials, which the browser now holds.
    await page.goto(`${cp.url}/`);
    await page.waitForSelector('#editor');
    await page.goto(otherSiteUrl);
  });
  afterEach(async () => {
    await context?.close();
    await cp?.close();
  });

  /** Nothing written, nothing kept, nothing restarted. */
  function assertUntouched(before: string): void {
    assert.equal(readFileSync(cp.path, 'utf8'), before, 'the config file is as it was');
    assert.equal(cp.records.filter((record) => record.event === 'config-written').length, 0, 'no audit line of a write');
    const history = `${cp.dir}/.history`;
    assert.deepEqual(existsSync(history) ? readdirSync(history) : [], [], 'no history version');
    assert.deepEqual(
      cp.cluster.calls.filter((call) => call.startsWith('stop') || call.startsWith('start')),
      [],
      'no node restarted',
    );
  }

  it("a script's JSON PUT with the right If-Match never reaches the API: the browser's preflight gets no CORS grant", async () => {
    const before = readFileSync(cp.path, 'utf8');
    const outcome = await page.evaluate(
      async ({ url, fingerprint }) => {
        try {
          const response = await fetch(`${url}/api/config`, {
            method: 'PUT',
            credentials: 'include',
            headers: { 'content-type': 'application/json', 'if-match': `"${fingerprint}"` },
            body: JSON.stringify({ text: '{"providers": {}}' }),
          });
          return `answered ${response.status}`;
        } catch {
          return 'blocked';
        }
      },
      { url: cp.url, fingerprint: fingerprintOf(before) },
    );
    assert.equal(outcome, 'blocked');
    assertUntouched(before);
  });

  it('a form POSTed to /rollout is refused by its Origin, and a form to the API by its content type', async () => {
    const before = readFileSync(cp.path, 'utf8');
    for (const [path, status, code] of [
      ['/rollout', 403, 'CROSS_SITE_REFUSED'],
      ['/api/config/rollback/1', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['/api/config/validate', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ] as const) {
      const answered = page.waitForResponse((response) => response.url() === `${cp.url}${path}`);
      // A form is the one write a page may send anywhere without asking: a "simple" request.
      // (Written as a string: the tests' TypeScript has no DOM types.)
      await page.evaluate(`(() => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = ${JSON.stringify(`${cp.url}${path}`)};
        form.enctype = 'text/plain';
        const field = document.createElement('input');
        field.name = '{"text": "{}", "x"';
        field.value = '"}';
        form.append(field);
        document.body.append(form);
        form.submit();
      })()`);
      const response = await answered;
      assert.equal(response.status(), status, path);
      assert.equal(((await response.json()) as { code: string }).code, code, path);
      await page.goto(otherSiteUrl);
    }
    assertUntouched(before);
  });
});
