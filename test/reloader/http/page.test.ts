import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../../support/headless-chromium.js';
import { ADMIN_PASSWORD, sampleConfig, startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { fakeNodeMetrics } from './fake-node-metrics.js';
import { sampleLogs, sampleUsage, startFakeGatewayNode, type FakeGatewayNode } from './fake-gateway-node.js';

/** Where screenshots of the main views land for review (gitignored). */
const ARTIFACTS = join(process.cwd(), 'test', '.artifacts');

/** A screenshot of one section, taken at the top of the page so the sticky header does not cover it. */
async function shootSection(page: Page, selector: string, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not shown`);
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true, clip: box });
}

/** Polls `check` from the test's side (the page's CSP forbids evaluating strings in it). */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the page');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('control plane page (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cp: ControlPlane;
  let problems: string[];
  /** Every node's /api/governance/usage and /api/logs, in the node's real shapes. */
  let node: FakeGatewayNode;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchHeadlessChromium();
    node = await startFakeGatewayNode({ username: 'admin', password: ADMIN_PASSWORD });
  });
  after(async () => {
    await browser?.close();
    await node?.close();
  });

  async function open(options: { viewport?: { width: number; height: number }; text?: string; withoutLiveEvents?: boolean; bypassCSP?: boolean } = {}) {
    cp = await startControlPlane({ live: true, scraper: fakeNodeMetrics(), nodeUrl: node.url, ...(options.text ? { text: options.text } : {}) });
    context = await browser.newContext({
      ...(options.text ? {} : { httpCredentials: { username: 'admin', password: ADMIN_PASSWORD } }),
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...(options.bypassCSP ? { bypassCSP: true } : {}),
    });
    page = await context.newPage();
    problems = [];
    // A CSP violation or a script error shows up here.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(cp.url)) problems.push(`request outside the reloader: ${request.url()}`);
    });
    // Without the event stream the page never learns of a hand edit by itself: the edit is then
    // concurrent with whatever the page does next.
    if (options.withoutLiveEvents) await page.route('**/api/events', (route) => route.abort());
    await page.goto(`${cp.url}/`);
    await page.waitForSelector('#node-list .node');
  }

  afterEach(async () => {
    await context?.close();
    await cp?.close();
    node.governanceOff = false;
    node.logsOff = false;
    node.logs = sampleLogs(60);
    node.usage = undefined;
  });

  async function editTo(transform: (text: string) => string) {
    const text = await page.inputValue('#editor');
    await page.fill('#editor', transform(text));
  }

  it('loads on its own files only and shows the three nodes healthy, on the file, in rotation, with live rates', async () => {
    await open();
    assert.equal(await page.locator('#node-list .node').count(), 3);
    assert.deepEqual(
      await page.locator('#node-list .node').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-name')} ${e.getAttribute('data-health')}`)),
      ['gateway-1 ok', 'gateway-2 ok', 'gateway-3 ok'],
    );
    assert.equal(await page.locator('[data-matches="true"]').count(), 3);
    assert.match((await page.textContent('#nodes-summary')) ?? '', /3\/3 healthy · 3\/3 on the file/);
    await until(async () => (await page.locator('.spark polyline').count()) === 6, 15_000);
    await page.waitForSelector('#live.ok');
    assert.match((await page.textContent('#config-state')) ?? '', /valid/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-overview.png'), fullPage: true });
    // The issue asks for a first paint well under a second from the reloader on the same host.
    // Measured on a second load (a browser already running, as an operator's is); the bound
    // is loose because CI shares its cores, the figure is printed for the README.
    await page.reload();
    await page.waitForSelector('#node-list .node');
    const firstPaint = await page.evaluate<number>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
    assert.ok(firstPaint > 0 && firstPaint < 3000, `first contentful paint ${firstPaint} ms`);
    console.log(`      first contentful paint (reload): ${Math.round(firstPaint)} ms`);
    assert.deepEqual(problems, []);
  });

  it('an edit through the page shows its diff, applies, rolls the cluster and shows the rollout finish', async () => {
    await open();
    const before = readFileSync(cp.path, 'utf8');
    await editTo((text) => text.replace('"weight": 1', '"weight": 0.25'));
    await page.waitForSelector('#validation.ok-text');
    await page.click('#apply');
    await page.waitForSelector('#diff-box:not([hidden])');
    assert.match((await page.textContent('#diff .add')) ?? '', /"weight": 0\.25/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-config-diff.png'), fullPage: true });
    await page.click('#apply');
    await page.waitForSelector('#apply-result.ok');
    await page.waitForSelector('.rollout.live .chip', { timeout: 10_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-rollout-live.png'), fullPage: true });
    await page.waitForSelector('#rollout-status[data-outcome="complete"]', { timeout: 20_000 });
    assert.equal(readFileSync(cp.path, 'utf8'), before.replace('"weight": 1', '"weight": 0.25'));
    assert.deepEqual(cp.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
    await until(async () => (await page.locator('[data-matches="true"]').count()) === 3);
    assert.equal(await page.locator('#history tbody tr').count(), 2, 'the file as it was, and the edit');
    await page.click('#rollout-previous li:first-child summary');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-rollout-complete.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it('an invalid edit shows its issues by path, cannot be applied, and writes nothing', async () => {
    await open();
    const before = readFileSync(cp.path, 'utf8');
    await editTo((text) => text.replace('"weight": 1', '"weight": "heavy"'));
    await page.waitForSelector('#validation.bad-text');
    assert.match((await page.textContent('#issues')) ?? '', /providers\.openai\.keys\[0\]\.weight must be a number, not a string/);
    assert.equal(await page.isDisabled('#apply'), true);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-invalid-edit.png'), fullPage: true });
    assert.equal(readFileSync(cp.path, 'utf8'), before);
    assert.deepEqual(cp.cluster.stops(), []);
  });

  it('a hand edit made while editing in the page is never overwritten: the page says so and Apply is refused (412)', async () => {
    await open();
    await editTo((text) => text.replace('"weight": 1', '"weight": 6'));
    await page.waitForSelector('#validation.ok-text');
    const handEdit = readFileSync(cp.path, 'utf8').replace('"weight": 1', '"weight": 7');
    writeFileSync(cp.path, handEdit);
    await until(async () => /changed on disk while you were editing/.test((await page.textContent('#apply-result')) ?? ''));
    await page.click('#apply');
    await page.click('#apply');
    await until(async () => /changed since you loaded it/.test((await page.textContent('#apply-result')) ?? ''));
    assert.equal(readFileSync(cp.path, 'utf8'), handEdit);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-conflict.png'), fullPage: true });
  });

  it('a rollout halted at a node that does not come back shows the reason and its last log lines', async () => {
    await open();
    cp.cluster.failing.add('gateway-2');
    await editTo((text) => text.replace('"weight": 1', '"weight": 3'));
    await page.waitForSelector('#validation.ok-text');
    await page.click('#apply');
    await page.click('#apply');
    await page.waitForSelector('#halted:not([hidden])', { timeout: 20_000 });
    assert.match((await page.textContent('#halted')) ?? '', /halted at gateway-2/);
    assert.match((await page.textContent('#halted .log-tail')) ?? '', /cannot reach upstream/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-rollout-halted.png'), fullPage: true });
  });

  it('without admin credentials configured the page is read-only and says how to enable writes', async () => {
    await open({ text: sampleConfig({ auth: null }) });
    assert.equal(await page.isVisible('#readonly-note'), true);
    assert.match((await page.textContent('#readonly-note')) ?? '', /governance\.auth_config.*RELOADER_ADMIN_TOKEN/);
    assert.equal(await page.getAttribute('#editor', 'readonly'), '');
    assert.equal(await page.textContent('#access'), 'read-only');
    assert.equal(await page.isDisabled('#apply'), true);
    await page.screenshot({ path: join(ARTIFACTS, 'page-read-only.png'), fullPage: true });
  });

  it('Roll back sends the fingerprint the page shows: a hand edit made since is refused (412) and stays', async () => {
    await open({ withoutLiveEvents: true });
    await editTo((text) => text.replace('"weight": 1', '"weight": 5'));
    await page.waitForSelector('#validation.ok-text');
    await page.click('#apply');
    await page.click('#apply');
    await page.waitForSelector('#apply-result.ok');
    await page.waitForSelector('#history tr[data-version="1"] button.rollback');
    const shown = (await (await context.request.get(`${cp.url}/api/config`, { headers: { authorization: cp.basic() } })).json()) as { fingerprint: string };
    const handEdit = readFileSync(cp.path, 'utf8').replace('"weight": 5', '"weight": 7');
    writeFileSync(cp.path, handEdit);
    const sent: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/config/rollback/')) sent.push(request.headers()['if-match']);
    });
    await page.click('#history tr[data-version="1"] button.rollback');
    await until(async () => /Not rolled back: the file changed since the page loaded it/.test((await page.textContent('#apply-result')) ?? ''));
    assert.deepEqual(sent, [`"${shown.fingerprint}"`]);
    assert.equal(readFileSync(cp.path, 'utf8'), handEdit, 'the hand edit was not replaced');
  });

  it('a restart of every node that has to wait says which nodes are still to restart', async () => {
    await open();
    Object.assign(cp.cluster.byName('gateway-2'), { health: 'starting', broken: true }); // booting: the rollout must wait
    const posted = await context.request.post(`${cp.url}/rollout`, { headers: { authorization: cp.basic() } });
    assert.equal(posted.status(), 202);
    await until(async () =>
      /restart of every node requested .*: gateway-1, gateway-2, gateway-3 still to restart/.test((await page.textContent('#cluster-note')) ?? ''),
    );
    assert.match((await page.textContent('#cluster-note')) ?? '', /waiting for gateway-2 to start/);
    assert.deepEqual(cp.cluster.stops(), []);
  });

  it('shows governance usage against each limit as bars with reset times, from a node', async () => {
    await open();
    await page.waitForSelector('#governance[data-state="enabled"] #vkeys .vkey');
    assert.deepEqual(await page.locator('#vkeys .vkey').evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))), ['vk-support', 'vk-batch']);
    // The daily budget: $9.42 of $10, a bar at 94 % marked as near the limit; the request limit 730/1000.
    const budget = page.locator('#limits .usage').filter({ hasText: 'budget budget-daily' });
    assert.match((await budget.textContent()) ?? '', /\$9\.42 \/ \$10\.00.*resets in 1[89](\.\d)? h · window 1d/);
    assert.equal(await budget.locator('.bar').getAttribute('data-pct'), '94');
    assert.equal(await budget.locator('.bar').getAttribute('class'), 'bar warn');
    const fill = await budget.locator('.bar .fill').boundingBox();
    const track = await budget.locator('.bar').boundingBox();
    const width = (fill?.width ?? 0) / (track?.width ?? 1);
    assert.ok(Math.abs(width - 0.942) < 0.02, `the bar is drawn 94 % full (${width})`);
    const requests = page.locator('#limits .usage[data-kind="requests"]');
    assert.match((await requests.textContent()) ?? '', /730 \/ 1,000 requests.*resets in (39|40) min/);
    assert.equal(await requests.locator('.bar').getAttribute('class'), 'bar ok');
    assert.match((await page.textContent('#vkeys [data-key="vk-batch"]')) ?? '', /inactive.*no budget or rate limit/);
    assert.match((await page.textContent('#governance-summary')) ?? '', /2 key\(s\) · 1 budget\(s\) · 1 rate limit\(s\) · 1 near the limit/);
    await shootSection(page, '#governance', 'page-governance.png');
    assert.deepEqual(problems, []);
  });

  it('shows the request log from a node: latest first, filters by provider, model and status, pages', async () => {
    await open();
    await page.waitForSelector('#logs[data-state="enabled"] #log-rows tr[data-id]');
    assert.equal(await page.locator('#log-rows tr').count(), 25);
    assert.equal(await page.textContent('#log-page'), '1–25 of 60');
    const first = node.logs[0];
    const cells = await page.locator('#log-rows tr').first().locator('td').allTextContents();
    assert.deepEqual(cells.slice(1), [
      first?.node,
      `${first?.provider}/${first?.model}`,
      '200 success',
      `${first?.latency} ms`,
      `${first?.token_usage.total_tokens}`,
      `$${first?.cost?.toFixed(4)}`,
    ]);
    assert.match((await page.textContent('#logs-summary')) ?? '', /^60 request\(s\) · \d+(\.\d+)?% ok · avg \d+ ms/);
    await page.click('#log-older');
    await until(async () => (await page.textContent('#log-page')) === '26–50 of 60');
    assert.equal(await page.getAttribute('#log-rows tr:first-child', 'data-id'), node.logs[25]?.id ?? '');
    await page.selectOption('#log-status', 'error');
    const errors = node.logs.filter((l) => l.status === 'error');
    await until(async () => (await page.textContent('#log-page')) === `1–${errors.length} of ${errors.length}`);
    assert.deepEqual(await page.locator('#log-rows tr').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-status')))]), ['error']);
    await page.fill('#log-provider', 'anthropic');
    await page.press('#log-provider', 'Enter');
    const anthropicErrors = errors.filter((l) => l.provider === 'anthropic');
    await until(async () => (await page.textContent('#log-page')) === `1–${anthropicErrors.length} of ${anthropicErrors.length}`);
    await page.fill('#log-provider', '');
    await page.fill('#log-model', 'gpt-4o');
    await page.selectOption('#log-status', '');
    const gpt4o = node.logs.filter((l) => l.model === 'gpt-4o');
    await until(async () => (await page.textContent('#log-page')) === `1–${Math.min(25, gpt4o.length)} of ${gpt4o.length}`);
    assert.ok(node.seen.some((r) => r.path.includes('models=gpt-4o') && r.authorization?.startsWith('Basic ')));
    await page.fill('#log-model', '');
    await page.press('#log-model', 'Enter');
    await until(async () => (await page.textContent('#log-page')) === '1–25 of 60');
    await shootSection(page, '#logs', 'page-request-log.png');
    assert.deepEqual(problems, []);
  });

  it('shows hostile text from the request log, governance and the config as text: no element is made, no script runs', async () => {
    // The payload marks the page if it ever runs; the CSP is bypassed here so that the page's
    // own DOM building is what is tested (with the CSP on, an inline handler is blocked anyway).
    const payload = (where: string) => `<img src=x onerror="document.documentElement.dataset.pwned='${where}'">`;
    const [first, ...rest] = sampleLogs(3);
    if (!first) throw new Error('no sample log');
    node.logs = [
      {
        ...first,
        node: payload('node'),
        provider: payload('provider') as never,
        model: payload('model'),
        status: 'error',
        error_details: { type: 'upstream_error', message: `"><svg onload="document.documentElement.dataset.pwned='message'">` },
      },
      ...rest,
    ];
    const usage = sampleUsage();
    const key = usage.virtual_keys[0];
    if (!key) throw new Error('no sample key');
    usage.virtual_keys[0] = { ...key, name: payload('vk'), id: payload('vk-id') };
    node.usage = usage;
    const hostileConfig = sampleConfig().replace('"primary"', JSON.stringify(payload('config')));
    await open({ bypassCSP: true });
    await page.waitForSelector('#logs[data-state="enabled"] #log-rows tr[data-id]');
    await page.waitForSelector('#governance[data-state="enabled"]');
    const cells = await page.locator('#log-rows tr').first().locator('td').allTextContents();
    assert.equal(cells[1], payload('node'));
    assert.equal(cells[2], `${payload('provider')}/${payload('model')}`);
    assert.match((await page.textContent('#governance-body')) ?? '', /<img src=x onerror=/);
    // Config text with markup in it: in the editor as text, and in an issue message.
    await editTo(() => hostileConfig.replace('"providers": {', `"providers": { ${JSON.stringify(payload('issue'))}: {"keys": []},`));
    await page.waitForSelector('#validation.bad-text');
    assert.match((await page.textContent('#issues')) ?? '', /<img src=x onerror="document\.documentElement\.dataset\.pwned='issue'">/);
    await page.click('#show-diff').catch(() => undefined);
    assert.equal(await page.locator('main img, main svg:not(.spark)').count(), 0, 'an element was made from the text');
    assert.equal(await page.getAttribute('html', 'data-pwned'), null, 'a payload ran');
    assert.deepEqual(
      problems.filter((p) => !/status of 404/.test(p)),
      [],
    );
  });

  it('says governance and the request log are not enabled when the nodes run without them', async () => {
    node.governanceOff = true;
    node.logsOff = true;
    await open();
    await page.waitForSelector('#governance[data-state="disabled"]');
    await page.waitForSelector('#logs[data-state="disabled"]');
    assert.match((await page.textContent('#governance-note')) ?? '', /governance is not enabled/);
    assert.match((await page.textContent('#logs-note')) ?? '', /request log is not enabled.*logs_store/);
    assert.equal(await page.isVisible('#log-table'), false);
    await shootSection(page, '#governance', 'page-governance-off.png');
    // The 404s themselves are the browser's only complaint; nothing else went wrong.
    assert.deepEqual(
      problems.filter((p) => !/status of 404/.test(p)),
      [],
    );
  });

  it('reads well on a phone: one column, no horizontal scroll; rollback is one click', async () => {
    await open({ viewport: { width: 390, height: 844 } });
    await page.waitForSelector('#vkeys .vkey');
    await page.waitForSelector('#log-rows tr[data-id]');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `no horizontal scroll (overflow ${overflow}px)`);
    // The request log's rows fit the phone's width too: no column hidden behind a sideways scroll.
    const logTable = await page.locator('#log-controls .table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(logTable <= 0, `the request log fits the width (overflow ${logTable}px)`);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'page-phone.png'), fullPage: true });
    await shootSection(page, '#governance', 'page-phone-governance.png');
    await shootSection(page, '#logs', 'page-phone-request-log.png');
    // A first write keeps the file as it was; rolling back to it is one click.
    const original = readFileSync(cp.path, 'utf8');
    await editTo((text) => text.replace('"weight": 1', '"weight": 5'));
    await page.waitForSelector('#validation.ok-text');
    await page.click('#apply');
    await page.click('#apply');
    await page.waitForSelector('#apply-result.ok');
    await page.waitForSelector('#history tr[data-version="1"] button.rollback');
    await page.click('#history tr[data-version="1"] button.rollback');
    await until(async () => /Rolled back to version 1/.test((await page.textContent('#apply-result')) ?? ''));
    assert.equal(readFileSync(cp.path, 'utf8'), original);
  });
});
