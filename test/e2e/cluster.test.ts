/**
 * The end-to-end tier: the project's real Dockerfiles and docker-compose.yml (with the
 * socket-proxy override, and a test-only override adding an OpenAI-protocol upstream) on a
 * real Docker engine, driven by the official `openai` client through nginx. Base images are
 * built locally (no registry here) and passed in through NODE_IMAGE / NGINX_IMAGE.
 * Needs a Docker engine (test/e2e/provision-docker.sh) and root for debootstrap on first run.
 */
import assert from 'node:assert/strict';
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { estimateUsage } from '../../gateway/governance/estimate.js';
import { fingerprintOf } from '../../shared/config/fingerprint.js';
import { buildBaseImages, removeBaseImages, type BaseImages } from './support/base-images.js';
import { Cluster, type GatewayNode } from './support/cluster.js';
import { GatewayEventRecorder, measureHealthyFloor, measureNodesOut } from './support/docker-events.js';
import {
  configWithSecondProvider,
  E2E_VIRTUAL_KEY,
  initialConfig,
  withGovernance,
  withRevision,
  withUpstreamTimeout,
  type E2eConfig,
} from './support/e2e-config.js';
import { callThroughSocketProxy, readNodeHealth } from './support/node-probe.js';
import { docker } from './support/run-command.js';
import { assertOneRowPerRequest } from './support/request-log-rows.js';
import { SteadyLoad, type LoadOutcome } from './support/steady-load.js';
import { waitFor } from './support/wait-for.js';

const MODEL = 'openai/gpt-e2e';
/** The control plane's token (RELOADER_ADMIN_TOKEN in docker-compose.e2e.yml). */
const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const log = (line: string) => console.log(`      [e2e ${new Date().toISOString().slice(11, 19)}] ${line}`);

describe('cluster end to end (real Docker, nginx, reloader)', function () {
  this.timeout(20 * 60_000);
  // The scenarios run in order on one cluster, each from the state the last one left: after a
  // failure the rest would each wait out their own deadlines on a broken cluster, for an hour.
  this.bail(true);
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let base: BaseImages;
  let cluster: Cluster;
  let client: OpenAI;
  let current: E2eConfig;

  // Development only: E2E_ATTACH=<runId>:<workDir> reuses a cluster left up by an earlier run
  // (its images and containers are then left in place at the end).
  const attach = process.env.E2E_ATTACH?.split(':');

  before(async () => {
    current = initialConfig();
    if (attach) {
      base = {
        debian: `ai-gateway-e2e/debian:${attach[0]}`,
        node: `ai-gateway-e2e/node:${attach[0]}`,
        nginx: `ai-gateway-e2e/nginx:${attach[0]}`,
        postgres: `ai-gateway-e2e/postgres:${attach[0]}`,
      };
      cluster = new Cluster(attach[0]!, base, attach[1]);
      cluster.writeConfigInPlace(current);
      await cluster.compose(['up', '-d']);
      await cluster.resolveUrls();
    } else {
      base = await buildBaseImages(runId, log);
      cluster = new Cluster(runId, base);
      cluster.writeConfigInPlace(current);
      await cluster.up(log);
    }
    log(`cluster up: nginx ${cluster.nginxUrl}, reloader ${cluster.reloaderUrl}`);
    // maxRetries stays at the SDK's default (2), as users run it. The SDK re-sends only after a
    // connection error, a timeout or a 408/409/429/5xx. A reset on a keep-alive socket that an
    // nginx reload closed (engineering trap 13) never reached a node, so retrying it is no
    // duplicate; and if a retry ever re-sent work a node had received, the upstream's record
    // would show the same marker twice, which the load scenario asserts against.
    // A 60 s timeout instead of the SDK's 10 minutes: a lost request fails the test, not the CI job.
    client = new OpenAI({ baseURL: `${cluster.nginxUrl}/v1`, apiKey: 'sk-e2e-client', maxRetries: 2, timeout: 60_000, fetch: countingFetch });
    await waitFor(
      'three healthy gateway nodes in rotation',
      async () => {
        const status = await cluster.reloaderStatus();
        const nodes = await cluster.gatewayNodes();
        const ready = nodes.length === 3 && nodes.every((n) => n.health === 'healthy') && status.nodes.filter((n) => n.in_rotation).length === 3;
        return ready ? true : undefined;
      },
      { timeoutMs: 180_000, describe: () => cluster.logs('reloader') },
    );
    log('three nodes healthy and in rotation');
  });

  after(async () => {
    if (attach) return;
    if (cluster) {
      if (anyFailed || process.env.E2E_SHOW_LOGS) {
        for (const service of ['reloader', 'nginx', 'gateway']) log(`${service} logs:\n${await cluster.logs(service, 40)}`);
      }
      log('removing containers, networks, volumes and images');
      await cluster.down();
    }
    if (base) await removeBaseImages(base);
  });

  /** HTTP attempts per x-request-id: more than one means the SDK retried (reported, see above). */
  const attempts = new Map<string, number>();
  const countingFetch: typeof fetch = (input, init) => {
    const id = new Headers(init?.headers).get('x-request-id');
    if (id) attempts.set(id, (attempts.get(id) ?? 0) + 1);
    return fetch(input, init);
  };

  async function ask(model = MODEL, marker = `probe-${Math.random().toString(36).slice(2)}`) {
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: `e2e-id:${marker}` }] }, { headers: { 'x-request-id': marker } })
      .withResponse();
    return { text: data.choices[0]?.message.content ?? '', node: response.headers.get('x-gateway-node'), requestId: response.headers.get('x-request-id') };
  }

  function configFingerprint(): string {
    return fingerprintOf(readFileSync(join(cluster.configDir, 'config.json')));
  }

  /** Waits until every node reports `fingerprint`, checked on each node itself, with no rollout running. */
  async function waitForConvergence(fingerprint: string): Promise<void> {
    await waitFor(
      `every node on ${fingerprint.slice(0, 19)}`,
      async () => {
        const status = await cluster.reloaderStatus();
        if (status.rollouts.current || !status.nodes.every((n) => n.fingerprint === fingerprint && n.in_rotation)) return undefined;
        const nodes = await cluster.gatewayNodes();
        const healths = await Promise.all(nodes.map((n) => readNodeHealth(n.id)));
        return nodes.length === 3 && healths.every((h) => h.status === 'ok' && h.config_fingerprint === fingerprint) ? true : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 1000,
        describe: async () => JSON.stringify(await cluster.reloaderStatus(), null, 1) + (await cluster.logs('reloader', 30)),
      },
    );
  }

  const recorders = new Set<GatewayEventRecorder>();
  let anyFailed = false;
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') anyFailed = true;
    for (const recorder of recorders) await recorder.stop();
    recorders.clear();
  });

  /** Starts recording Docker's events for a rollout (stopped after each test at the latest). */
  async function recordEvents(): Promise<GatewayEventRecorder> {
    const recorder = new GatewayEventRecorder(cluster.project);
    recorders.add(recorder);
    await recorder.started();
    return recorder;
  }

  /** Asserts from Docker's own events that the rollout restarted each node, never two at once. */
  async function assertOneAtATime(recorder: GatewayEventRecorder, nodes: readonly GatewayNode[]): Promise<void> {
    const events = await recorder.stop();
    const { maxOut, restarted } = measureNodesOut(events);
    assert.equal(maxOut, 1, `at most one node may be out at a time; events: ${JSON.stringify(events.map((e) => `${e.id.slice(0, 8)} ${e.action}`))}`);
    assert.deepEqual([...restarted].sort(), nodes.map((n) => n.id).sort(), 'every node restarted once');
  }

  async function startTimes(): Promise<Map<string, string>> {
    return new Map((await cluster.gatewayNodes()).map((n) => [n.id, n.startedAt]));
  }

  it('1: comes up; the openai client through nginx gets answers from all three nodes', async () => {
    const nodes = await cluster.gatewayNodes();
    assert.equal(nodes.length, 3);
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 3; i += 1) {
      const answer = await ask(MODEL, `s1-${runId}-${i}`);
      assert.match(answer.text, /^upstream=e2e-upstream model=\S+ key=sk-e2e-primary$/);
      assert.equal(answer.requestId, `s1-${runId}-${i}`, 'nginx and the node pass the client x-request-id through');
      if (answer.node) seen.add(answer.node);
    }
    assert.deepEqual([...seen].sort(), nodes.map((n) => n.hostname).sort(), 'answers come from every node');
  });

  it("1b: the socket proxy forwards the reloader's calls and refuses others", async () => {
    const [reloaderId] = await cluster.containerIds('reloader');
    assert.ok(reloaderId);
    assert.equal(await callThroughSocketProxy(reloaderId, 'GET', '/containers/json'), 200);
    assert.equal(await callThroughSocketProxy(reloaderId, 'POST', '/containers/create'), 403);
    assert.equal(await callThroughSocketProxy(reloaderId, 'POST', `/containers/${reloaderId}/kill?signal=SIGKILL`), 403);
    // nginx matches an argument name case-insensitively, Docker reads only `signal`: no SIGKILL disguised as SIGHUP.
    assert.equal(await callThroughSocketProxy(reloaderId, 'POST', `/containers/${reloaderId}/kill?Signal=HUP&signal=KILL`), 403);
    assert.equal(await callThroughSocketProxy(reloaderId, 'GET', '/images/json'), 403);
    // A container's inspect returns its Config.Env (provider keys): refused, with or without an API version.
    const [node] = await cluster.gatewayNodes();
    assert.ok(node);
    assert.equal(await callThroughSocketProxy(reloaderId, 'GET', `/containers/${node.id}/json`), 403);
    assert.equal(await callThroughSocketProxy(reloaderId, 'GET', `/v1.41/containers/${node.id.slice(0, 12)}/json`), 403);
    // The reloader still sees every node (it reads them from the container list).
    assert.equal((await cluster.reloaderStatus()).nodes.length, 3);
  });

  it('2: an in-place edit rolls every node, one at a time, and a newly added provider answers', async () => {
    await assert.rejects(ask('groq/gpt-e2e'), (e: { status?: number }) => e.status !== undefined && e.status >= 400 && e.status < 500);
    const nodes = await cluster.gatewayNodes();
    const recorder = await recordEvents();
    current = configWithSecondProvider();
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    await assertOneAtATime(recorder, nodes);
    for (let i = 0; i < 3; i += 1) {
      assert.match((await ask('groq/gpt-e2e')).text, /key=sk-e2e-second$/);
    }
  });

  it('3: a rename save rolls every node one at a time while steady load sees no failure and no duplicate, in the upstream and in the request log', async () => {
    const nodes = await cluster.gatewayNodes();
    const load = new SteadyLoad(client, { concurrency: 4, model: MODEL, prefix: `s3-${runId}` });
    load.start();
    await waitFor('load running', async () => (load.outcomes.length >= 8 ? true : undefined));
    const recorder = await recordEvents();
    current = withRevision(current, 1);
    await cluster.saveConfigByRename(current);
    await waitForConvergence(configFingerprint());
    const settled = load.outcomes.length;
    await waitFor('load after the rollout', async () => (load.outcomes.length >= settled + 8 ? true : undefined));
    const outcomes = await load.stop();
    const retried = outcomes.filter((o) => (attempts.get(o.marker) ?? 0) > 1).length;
    log(`steady load: ${retried} request(s) retried by the SDK`);
    assertCleanLoad(
      outcomes,
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`s3-${runId}-`)),
    );
    await assertOneAtATime(recorder, nodes);
    await assertOneRowPerRequest(cluster, outcomes, `s3-${runId}-`);
  });

  it('4: invalid edits restart nothing, show in the status, and the fixed file then rolls', async () => {
    const before = await startTimes();
    const goodFingerprint = configFingerprint();

    cluster.writeConfigText('{ "providers": { "openai": ');
    const malformed = configFingerprint();
    const status1 = await waitFor('the malformed file judged', async () => {
      const s = await cluster.reloaderStatus();
      return s.config.fingerprint === malformed && s.config.state === 'invalid' ? s : undefined;
    });
    assert.ok(status1.config.issues.length > 0, 'the status lists what is wrong');
    assert.equal((await ask()).text.startsWith('upstream='), true, 'traffic flows');

    const violation = structuredClone(current) as { providers: { openai: { keys: unknown } } };
    violation.providers.openai.keys = 'not-a-list';
    cluster.writeConfigInPlace(violation);
    const invalidSchema = configFingerprint();
    const status2 = await waitFor('the schema violation judged', async () => {
      const s = await cluster.reloaderStatus();
      return s.config.fingerprint === invalidSchema && s.config.state === 'invalid' ? s : undefined;
    });
    assert.ok(
      status2.config.issues.some((i) => (i.path ?? '').includes('keys') || i.message.includes('keys')),
      JSON.stringify(status2.config.issues),
    );
    assert.equal(status2.config.target_fingerprint, goodFingerprint, 'the nodes stay on the last good config');
    assert.equal((await ask()).text.startsWith('upstream='), true, 'traffic flows');
    assert.deepEqual(await startTimes(), before, 'no container restarted');

    const nodes = await cluster.gatewayNodes();
    const recorder = await recordEvents();
    current = withRevision(current, 2);
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    await assertOneAtATime(recorder, nodes);
  });

  it('5: a node that does not come back healthy stops the rollout; the two others keep serving the old config', async () => {
    const before = await cluster.gatewayNodes();
    const oldFingerprint = configFingerprint();
    writeFileSync(join(cluster.controlDir, 'fail-on-start'), 'injected by the e2e test\n');
    current = withRevision(current, 3);
    cluster.writeConfigInPlace(current);
    const halted = await waitFor('the rollout to halt', async () => (await cluster.reloaderStatus()).halted ?? undefined, {
      timeoutMs: 180_000,
      describe: () => cluster.logs('reloader', 30),
    });
    const after = await cluster.gatewayNodes();
    const restarted = after.filter((n) => before.find((b) => b.id === n.id)?.startedAt !== n.startedAt);
    assert.equal(restarted.length, 1, 'only the failing node was restarted');
    assert.equal(halted.node, restarted[0]?.name, `the status names the failed node: ${JSON.stringify(halted)}`);
    assert.ok(halted.reason.length > 0, 'the status says why');
    const others = after.filter((n) => n.id !== restarted[0]?.id);
    for (const node of others) assert.equal((await readNodeHealth(node.id)).config_fingerprint, oldFingerprint);
    const served = new Set<string>();
    for (let i = 0; i < 8; i += 1) served.add((await ask()).node ?? '');
    assert.deepEqual([...served].sort(), others.map((n) => n.hostname).sort(), 'the two healthy nodes serve');

    rmSync(join(cluster.controlDir, 'fail-on-start'));
    current = withRevision(current, 4);
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    assert.equal((await cluster.reloaderStatus()).halted, null);
  });

  it('6: a node restarted onto another IP address keeps receiving traffic', async () => {
    const [target] = await cluster.gatewayNodes();
    assert.ok(target);
    const network = JSON.parse(await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', target.id])) as Record<string, unknown>;
    const networkName = Object.keys(network)[0]!;
    await docker(['stop', '-t', '30', target.id]);
    // Another container takes an address on the network while the node is down, so the node
    // cannot get its old address back.
    await docker([
      'run',
      '-d',
      '--rm',
      '--network',
      networkName,
      '--label',
      `com.docker.compose.project=${cluster.project}`,
      '--label',
      'ai-gateway-e2e.role=address-taker',
      base.node,
      'sleep',
      '600',
    ]);
    await docker(['start', target.id]);
    const moved = (await cluster.gatewayNodes()).find((n) => n.id === target.id);
    assert.ok(moved && moved.ip !== target.ip, `the node's address changed (${target.ip} -> ${moved?.ip})`);
    await waitFor(
      'traffic to the restarted node',
      async () => {
        for (let i = 0; i < 6; i += 1) if ((await ask()).node === target.hostname) return true;
        return undefined;
      },
      { timeoutMs: 120_000, describe: async () => JSON.stringify((await cluster.reloaderStatus()).rotation) },
    );
  });

  it('13: an edit through the config API under steady load rolls every node one at a time with no failure, as a hand edit does', async () => {
    // With the socket-proxy override the reloader runs as uid 1000: the host directory must be
    // writable by it (README, "Control plane").
    chownSync(cluster.configDir, 1000, 1000);
    const auth = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };
    const page = await fetch(`${cluster.reloaderUrl}/`, { headers: auth });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal((await fetch(`${cluster.reloaderUrl}/api/config`)).status, 401, 'credentials required');
    const read = (await (await fetch(`${cluster.reloaderUrl}/api/config`, { headers: auth })).json()) as { text: string; fingerprint: string };
    assert.equal(read.fingerprint, configFingerprint());

    const nodes = await cluster.gatewayNodes();
    const load = new SteadyLoad(client, { concurrency: 4, model: MODEL, prefix: `s13-${runId}` });
    load.start();
    await waitFor('load running', async () => (load.outcomes.length >= 8 ? true : undefined));
    const recorder = await recordEvents();
    current = withRevision(current, 7);
    const put = await fetch(`${cluster.reloaderUrl}/api/config`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json', 'if-match': `"${read.fingerprint}"` },
      body: JSON.stringify({ text: `${JSON.stringify(current, null, 2)}\n` }),
    });
    const written = (await put.json()) as { fingerprint: string; version: number };
    assert.equal(put.status, 200, JSON.stringify(written));
    assert.equal(written.fingerprint, configFingerprint());
    await waitForConvergence(written.fingerprint);
    const settled = load.outcomes.length;
    await waitFor('load after the rollout', async () => (load.outcomes.length >= settled + 8 ? true : undefined));
    assertCleanLoad(
      await load.stop(),
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`s13-${runId}-`)),
    );
    await assertOneAtATime(recorder, nodes);
    const history = (await (await fetch(`${cluster.reloaderUrl}/api/config/history`, { headers: auth })).json()) as {
      versions: Array<{ version: number; author: string; fingerprint: string }>;
    };
    assert.deepEqual(history.versions[0], { ...history.versions[0], version: written.version, author: 'token', fingerprint: written.fingerprint });
  });

  it('14: governance through nginx during a rollout: every governed request and every token counted once, none lost to a restarted node', async () => {
    current = withGovernance(withRevision(current, 8));
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());

    // The virtual key as the SDK's API key, as a team moving its Bifrost keys here would send it.
    const governed = new OpenAI({ baseURL: `${cluster.nginxUrl}/v1`, apiKey: E2E_VIRTUAL_KEY, maxRetries: 2, timeout: 60_000, fetch: countingFetch });
    const prefix = `s14-${runId}`;
    const nodes = await cluster.gatewayNodes();
    const load = new SteadyLoad(governed, { concurrency: 4, model: MODEL, prefix });
    load.start();
    await waitFor('load running', async () => (load.outcomes.length >= 8 ? true : undefined));
    const recorder = await recordEvents();
    current = withRevision(current, 9);
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    const outcomes = await finishLoad(load, prefix);
    assertCleanLoad(
      outcomes,
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`${prefix}-`)),
    );
    await assertOneAtATime(recorder, nodes);

    // A JSON answer carries usage (5 prompt + 5 completion tokens from the upstream) and settles
    // to it; a stream without usage keeps its reservation (the node's estimate) as the charge.
    const reserved = (marker: string): number => {
      const estimate = estimateUsage({ model: MODEL, stream: true, messages: [{ role: 'user', content: `e2e-id:${marker}` }] });
      return estimate.promptTokens + estimate.completionTokens;
    };
    const expectedTokens = outcomes.reduce((sum, o) => sum + (o.stream ? reserved(o.marker) : 10), 0);
    interface Counter {
      limit_kind: string;
      used: number;
    }
    const usage = await waitFor(
      'the settlements of the last answers',
      async () => {
        const report = (await (await fetch(`${cluster.nginxUrl}/api/governance/usage`)).json()) as {
          store: string;
          rate_limits: { id: string; counters: Counter[] }[];
        };
        const counters = report.rate_limits.find((r) => r.id === 'rl-e2e')?.counters ?? [];
        const used = (kind: string) => counters.find((c) => c.limit_kind === kind)?.used;
        const figures = { store: report.store, requests: used('requests'), tokens: used('tokens') };
        return figures.requests === outcomes.length && figures.tokens === expectedTokens ? figures : undefined;
      },
      {
        timeoutMs: 30_000,
        describe: async () =>
          `expected ${outcomes.length} requests and ${expectedTokens} tokens; usage: ${JSON.stringify(await (await fetch(`${cluster.nginxUrl}/api/governance/usage`)).json())}`,
      },
    );
    log(`governed load: ${outcomes.length} requests, ${usage.tokens} tokens counted, through ${new Set(outcomes.map((o) => o.node)).size} node names`);
    assert.equal(usage.store, 'up');
    assert.ok(new Set(outcomes.map((o) => o.node)).size >= 3, 'every node admitted governed requests against the same counters');
  });

  // Issue 14: every way the cluster changes, under steady load with streams.

  async function startLoad(prefix: string): Promise<SteadyLoad> {
    const load = new SteadyLoad(client, { concurrency: 4, model: MODEL, prefix });
    load.start();
    await waitFor('load running', async () => (load.outcomes.length >= 8 ? true : undefined));
    return load;
  }

  async function finishLoad(load: SteadyLoad, prefix: string): Promise<LoadOutcome[]> {
    const settled = load.outcomes.length;
    await waitFor('load after the change', async () => (load.outcomes.length >= settled + 8 ? true : undefined));
    const outcomes = await load.stop();
    return outcomes.filter((o) => o.marker.startsWith(prefix));
  }

  async function waitForServing(count: number): Promise<void> {
    await waitFor(
      `${count} nodes healthy and in rotation`,
      async () => {
        const nodes = (await cluster.gatewayNodes()).filter((n) => n.running);
        const status = await cluster.reloaderStatus();
        return nodes.length === count && nodes.every((n) => n.health === 'healthy') && status.rotation.servers.length === count && !status.rollouts.current
          ? true
          : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 500,
        describe: async () => JSON.stringify((await cluster.reloaderStatus()).rotation) + (await cluster.logs('reloader', 30)),
      },
    );
  }

  /** Runs scripts/rolling-replace.sh under steady load and asserts that load clean. */
  async function rollingReplaceUnderLoad(prefix: string): Promise<void> {
    const load = await startLoad(prefix);
    log(await cluster.rollingReplace());
    await waitForServing(3);
    assertCleanLoad(
      await finishLoad(load, prefix),
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`${prefix}-`)),
    );
  }

  it('7: scale 3 -> 5 -> 2 -> 3 under steady load: no failure, no duplicate', async () => {
    const prefix = `s7-${runId}`;
    const load = await startLoad(prefix);
    for (const count of [5, 2, 3]) {
      await cluster.compose(['up', '-d', '--no-deps', '--scale', `gateway=${count}`, 'gateway']);
      await waitForServing(count);
      log(`scaled to ${count}`);
    }
    const outcomes = await finishLoad(load, prefix);
    assertCleanLoad(
      outcomes,
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`${prefix}-`)),
    );
  });

  it('8: a node killed outright fails only the requests it held, and leaves the rotation at once', async () => {
    const prefix = `s8-${runId}`;
    const load = await startLoad(prefix);
    const [victim] = await cluster.gatewayNodes();
    assert.ok(victim);
    const killedAt = Date.now();
    await docker(['kill', '-s', 'KILL', victim.id]);
    await waitFor(
      'the killed node out of rotation',
      async () => ((await cluster.reloaderStatus()).rotation.servers.some((s) => s.ip === victim.ip) ? undefined : true),
      { intervalMs: 100 },
    );
    log(`killed node out of rotation after ${Date.now() - killedAt} ms`);
    const outcomes = await finishLoad(load, prefix);
    const failed = outcomes.filter((o) => !o.ok);
    assert.ok(failed.length <= 4, `at most the requests in flight (concurrency 4) may fail, ${failed.length} did: ${JSON.stringify(failed)}`);
    const counts = new Map<string, number>();
    for (const r of await cluster.upstreamRecords()) if (r.marker?.startsWith(`${prefix}-`)) counts.set(r.marker, (counts.get(r.marker) ?? 0) + 1);
    // nginx re-sends nothing a node received; the SDK (maxRetries 2) may retry a request the
    // killed node had already sent upstream: at most those may show twice.
    const duplicates = [...counts].filter(([, n]) => n > 1);
    assert.ok(duplicates.length <= failed.length + 4, `duplicates beyond the killed node's requests: ${JSON.stringify(duplicates)}`);
    await docker(['start', victim.id]);
    await waitForServing(3);
  });

  it('9: the Docker API stopped for 20 s during a node restart: the node is not left down and the rollout finishes', async () => {
    const prefix = `s9-${runId}`;
    const load = await startLoad(prefix);
    const [proxyId] = await cluster.containerIds('socket-proxy');
    assert.ok(proxyId);
    // The status keeps earlier rollouts (scenario 5 halts one on purpose): judge only this scenario's.
    const rolloutIdOf = (record: Record<string, unknown>): number => Number(record.id ?? 0);
    const lastIdBefore = Math.max(0, ...(await cluster.reloaderStatus()).rollouts.previous.map(rolloutIdOf));
    current = withRevision(current, 10);
    cluster.writeConfigInPlace(current);
    await waitFor(
      'a node restarting',
      async () => {
        const steps = ((await cluster.reloaderStatus()).rollouts.current as { steps?: Array<{ events: Array<{ phase: string }> }> } | null)?.steps ?? [];
        return steps.at(-1)?.events.some((e) => e.phase === 'restarting') ? true : undefined;
      },
      { intervalMs: 50, timeoutMs: 60_000 },
    );
    await docker(['stop', '-t', '1', proxyId]);
    log('socket proxy stopped for 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await docker(['start', proxyId]);
    await waitForConvergence(configFingerprint());
    const status = await cluster.reloaderStatus();
    assert.equal(status.halted, null);
    const reasons = status.rollouts.previous.filter((r) => rolloutIdOf(r) > lastIdBefore).map((r) => String(r.reason ?? ''));
    assert.ok(!reasons.some((r) => /did not come back healthy/.test(r)), `a halt blamed the node: ${JSON.stringify(reasons)}`);
    const outcomes = await finishLoad(load, prefix);
    assertCleanLoad(
      outcomes,
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`${prefix}-`)),
    );
  });

  it('10: a rollout halted by a typo saved mid-restart resumes when the file is fixed back to its target', async () => {
    current = withRevision(current, 11);
    const target = `${JSON.stringify(current, null, 2)}\n`;
    cluster.writeConfigInPlace(current);
    await waitFor(
      'a node restarting',
      async () => {
        const steps = ((await cluster.reloaderStatus()).rollouts.current as { steps?: Array<{ events: Array<{ phase: string }> }> } | null)?.steps ?? [];
        return steps.at(-1)?.events.some((e) => e.phase === 'restarting') ? true : undefined;
      },
      { intervalMs: 50, timeoutMs: 60_000 },
    );
    cluster.writeConfigText(target.slice(0, 40)); // the node starts on this and exits
    const halted = await waitFor('the rollout to halt', async () => (await cluster.reloaderStatus()).halted ?? undefined, {
      timeoutMs: 180_000,
      describe: () => cluster.logs('reloader', 30),
    });
    assert.equal(halted.cause, 'config-invalid', JSON.stringify(halted));
    cluster.writeConfigText(target); // fixed back: the file equals the halted target again
    await waitForConvergence(configFingerprint());
    assert.equal((await cluster.reloaderStatus()).halted, null);
  });

  it('11: a rotated secret reaches every node through scripts/rolling-replace.sh, one node at a time, no failure', async () => {
    cluster.extraEnv.E2E_OPENAI_KEY = 'sk-e2e-rotated';
    await rollingReplaceUnderLoad(`s11-${runId}`);
    for (let i = 0; i < 6; i += 1) assert.match((await ask()).text, /key=sk-e2e-rotated$/);
  });

  it("12: a key kept in a secret file is in no container's metadata, and rotating it is an edit plus POST /rollout, no failure", async () => {
    cluster.writeSecret('E2E_FILE_KEY', 'sk-e2e-file-1');
    const config = structuredClone(current) as { providers: { openai: { keys: Array<{ value: string }> } } };
    config.providers.openai.keys[0]!.value = 'env.E2E_FILE_KEY';
    current = config;
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    assert.match((await ask()).text, /key=sk-e2e-file-1$/);

    const prefix = `s12-${runId}`;
    const load = await startLoad(prefix);
    const before = await startTimes();
    cluster.writeSecret('E2E_FILE_KEY', 'sk-e2e-file-2');
    // The control plane's admin token is set in this cluster: POST /rollout needs it too.
    assert.equal(await cluster.requestRollout(), 401);
    assert.equal(await cluster.requestRollout(`Bearer ${E2E_ADMIN_TOKEN}`), 202);
    await waitFor(
      'every node restarted by the manual rollout',
      async () => {
        const status = await cluster.reloaderStatus();
        const now = await startTimes();
        return !status.rollouts.current && [...before].every(([id, at]) => now.get(id) !== at) ? true : undefined;
      },
      { timeoutMs: 240_000, describe: () => cluster.logs('reloader', 30) },
    );
    const outcomes = await finishLoad(load, prefix);
    assertCleanLoad(
      outcomes,
      (await cluster.upstreamRecords()).filter((r) => r.marker?.startsWith(`${prefix}-`)),
    );
    for (let i = 0; i < 6; i += 1) assert.match((await ask()).text, /key=sk-e2e-file-2$/);
    for (const node of await cluster.gatewayNodes()) {
      const inspected = await docker(['inspect', node.id]);
      assert.ok(!inspected.includes('sk-e2e-file'), `${node.name}: the file secret shows in docker inspect`);
    }
  });

  it('15: a 2-minute request across a rollout completes once with its full answer, and the rollout waits for it', async () => {
    const holdMs = 120_000;
    // Every node must allow the upstream call its 2 minutes before the request starts.
    current = withUpstreamTimeout(current, 300);
    cluster.writeConfigInPlace(current);
    await waitForConvergence(configFingerprint());
    const lastIdBefore = Math.max(0, ...(await cluster.reloaderStatus()).rollouts.previous.map((r) => Number(r.id ?? 0)));

    // No SDK retry (a retry would hide a cut request), and a timeout well above the hold.
    const patient = new OpenAI({ baseURL: `${cluster.nginxUrl}/v1`, apiKey: 'sk-e2e-client', maxRetries: 0, timeout: 5 * 60_000 });
    const marker = `s15-${runId}`;
    const sentAt = Date.now();
    const request = patient.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: `e2e-id:${marker} e2e-hold-ms:${holdMs}` }] }, { headers: { 'x-request-id': marker } })
      .withResponse();
    // Caught here so that a failure is reported by the assertions below, not as an unhandled rejection.
    const settled = request.then(
      (ok) => ({ ok, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    await waitFor('the long request at the upstream', async () => ((await cluster.upstreamRecords()).some((r) => r.marker === marker) ? true : undefined), {
      intervalMs: 200,
      timeoutMs: 30_000,
    });

    current = withRevision(current, 14);
    cluster.writeConfigInPlace(current);
    const target = configFingerprint();
    // While the request runs, the rollout waits on the node that holds it, and /status says so.
    const waitedOn = await waitFor(
      'the rollout waiting on the node that holds the request',
      async () => (await cluster.reloaderStatus()).nodes.find((n) => n.rollout_phase === 'draining' && (n.in_flight ?? 0) >= 1),
      { intervalMs: 500, timeoutMs: 90_000, describe: async () => JSON.stringify(await cluster.reloaderStatus(), null, 1) },
    );
    log(`the rollout waits on ${waitedOn.name} (${waitedOn.in_flight} in flight)`);

    const outcome = await settled;
    assert.ok('ok' in outcome, `the long request failed: ${'error' in outcome ? String(outcome.error) : ''}`);
    const { data, response } = outcome.ok;
    assert.equal(response.status, 200);
    assert.match(data.choices[0]?.message.content ?? '', /^upstream=e2e-upstream model=\S+ key=\S+$/, 'the full answer');
    assert.ok(outcome.at - sentAt >= holdMs, 'the upstream held the request for its 2 minutes');

    await waitForConvergence(target);
    const records = (await cluster.upstreamRecords()).filter((r) => r.marker === marker);
    assert.equal(records.length, 1, 'sent upstream exactly once');
    const rollouts = (await cluster.reloaderStatus()).rollouts.previous.filter((r) => Number(r.id ?? 0) > lastIdBefore) as Array<{
      outcome: string;
      finished_at?: string;
      steps: Array<{ node: string; events: Array<{ phase: string; at: string }> }>;
    }>;
    assert.deepEqual(
      rollouts.map((r) => r.outcome),
      ['complete'],
      'one rollout, complete',
    );
    const rollout = rollouts[0]!;
    assert.ok(Date.parse(rollout.finished_at ?? '') > outcome.at, 'the rollout finished after the request');
    const step = rollout.steps.find((s) => s.node === waitedOn.name);
    assert.ok(step, `a step for ${waitedOn.name}`);
    const phases = step.events.map((e) => e.phase);
    assert.ok(!phases.includes('drain-timeout'), `the drain deadline was not reached: ${phases.join(', ')}`);
    const stoppedAt = Date.parse(step.events.find((e) => e.phase === 'stopped')?.at ?? '');
    assert.ok(stoppedAt >= outcome.at - 1000, `${waitedOn.name} was stopped only once the request was done`);
  });

  it('16: an image upgrade through scripts/rolling-replace.sh under steady load: every node on the new image, never fewer than three healthy, no failure', async () => {
    const before = await cluster.gatewayNodes();
    const { oldId, newId } = await cluster.buildNewGatewayImage(runId);
    assert.notEqual(newId, oldId, 'the upgrade is another image');
    assert.ok(
      before.every((n) => n.image === oldId),
      'the nodes run the old image before the upgrade',
    );
    const recorder = await recordEvents();
    await rollingReplaceUnderLoad(`s16-${runId}`);
    const floor = measureHealthyFloor(
      before.map((n) => n.id),
      await recorder.stop(),
    );
    assert.equal(floor, 3, 'never fewer than three healthy nodes: each old one retired only once its replacement was healthy');
    const after = (await cluster.gatewayNodes()).filter((n) => n.running);
    assert.equal(after.length, 3);
    assert.deepEqual(
      after.filter((n) => n.image !== newId).map((n) => n.name),
      [],
      'every node runs the new image',
    );
    assert.ok(!after.some((n) => before.some((b) => b.id === n.id)), 'every old node was replaced');
    // The old image is no longer named; nothing uses it now.
    await docker(['image', 'rm', oldId]).catch(() => undefined);
  });
});

/** Zero failed requests, every stream complete, no marker at the upstream twice. */
function assertCleanLoad(outcomes: readonly LoadOutcome[], records: readonly { marker: string | null }[]): void {
  const failed = outcomes.filter((o) => !o.ok);
  assert.deepEqual(failed, [], `${failed.length} of ${outcomes.length} requests failed`);
  const streams = outcomes.filter((o) => o.stream);
  assert.ok(streams.length > 0 && streams.every((o) => o.complete), 'every stream completed');
  const counts = new Map<string, number>();
  for (const r of records) if (r.marker) counts.set(r.marker, (counts.get(r.marker) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(duplicates, [], 'no request reached the upstream twice');
  for (const o of outcomes) assert.equal(counts.get(o.marker), 1, `request ${o.marker} reached the upstream once`);
  console.log(
    `      [e2e] steady load: ${outcomes.length} requests (${streams.length} streams), nodes ${[...new Set(outcomes.map((o) => o.node))].join(', ')}`,
  );
}
