import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fingerprintOf } from '../../../shared/config/index.js';
import { startControlPlane, type ControlPlane } from './control-plane-harness.js';
import { call } from './http-call.js';

/** Reads an SSE stream until `until` says enough, or the timeout. */
async function readEvents(cp: ControlPlane, until: (events: Array<{ event: string; data: Record<string, unknown> }>) => boolean, timeoutMs = 10_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const response = await fetch(`${cp.url}/api/events`, { headers: { authorization: cp.basic() }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
      if (until(events)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('cluster API', () => {
  let cp: ControlPlane;
  afterEach(async () => {
    await cp?.close();
  });

  it('GET /api/cluster: every node with health, fingerprint, rotation, in-flight and live rates from its /metrics', async () => {
    let scrapes = 0;
    cp = await startControlPlane({
      scraper: async () => {
        scrapes++;
        const n = scrapes * 100;
        return [
          `http_requests_total{path="/v1/chat/completions",method="POST",status="200",provider="openai",model="m"} ${n}`,
          `http_requests_total{path="/v1/chat/completions",method="POST",status="502",provider="openai",model="m"} ${scrapes}`,
          `http_requests_total{path="/health",method="GET",status="200",provider="",model=""} ${n * 10}`,
          `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="0.1"} ${n / 2}`,
          `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="1"} ${n + scrapes}`,
          `http_request_duration_seconds_bucket{path="/v1/chat/completions",le="+Inf"} ${n + scrapes}`,
        ].join('\n');
      },
    });
    await call(cp, 'GET', '/api/cluster', { auth: cp.basic() });
    await new Promise((r) => setTimeout(r, 20));
    const answer = await call(cp, 'GET', '/api/cluster', { auth: cp.basic() });
    assert.equal(answer.status, 200);
    const body = answer.json as {
      nodes: Array<{
        name: string;
        health: string;
        fingerprint: string;
        in_rotation: boolean;
        in_flight: number;
        metrics: { requests_per_s: number; error_rate: number; p50_ms: number } | null;
      }>;
      config: { fingerprint: string };
      access: { writable: boolean; who: string };
    };
    assert.deepEqual(
      body.nodes.map((n) => n.name),
      ['gateway-1', 'gateway-2', 'gateway-3'],
    );
    const file = fingerprintOf(readFileSync(cp.path));
    for (const node of body.nodes) {
      assert.equal(node.health, 'ok');
      assert.equal(node.fingerprint, file);
      assert.equal(node.in_rotation, true);
      assert.equal(node.in_flight, 0);
      assert.ok(node.metrics && node.metrics.requests_per_s > 0, 'a request rate');
      assert.ok(node.metrics.error_rate > 0 && node.metrics.error_rate < 0.05, `error rate ${node.metrics.error_rate}`);
      assert.ok(node.metrics.p50_ms > 0 && node.metrics.p50_ms <= 1000, `p50 ${node.metrics.p50_ms}`);
    }
    assert.equal(body.config.fingerprint, file);
    assert.deepEqual(body.access, { writable: true, who: 'admin' });
  });

  it("a PUT rolls the cluster (the watcher, as for a hand edit); /api/events streams each step and the rollout's end; /api/rollouts keeps it", async () => {
    cp = await startControlPlane({ live: true });
    const read = (await call(cp, 'GET', '/api/config', { auth: cp.basic() })).json as { text: string; fingerprint: string };
    const streamed = readEvents(cp, (events) => events.some((e) => e.event === 'rollout' && e.data.outcome === 'complete'));
    await new Promise((r) => setTimeout(r, 100));
    const put = await call(cp, 'PUT', '/api/config', {
      auth: cp.basic(),
      ifMatch: read.fingerprint,
      body: { text: read.text.replace('"weight": 1', '"weight": 2') },
    });
    assert.equal(put.status, 200, put.text);
    const events = await streamed;
    const phases = events.filter((e) => e.event === 'step').map((e) => `${e.data.node} ${e.data.phase}`);
    for (const node of ['gateway-1', 'gateway-2', 'gateway-3']) {
      for (const phase of ['out-of-rotation', 'stopped', 'started', 'healthy', 'back-in-rotation'])
        assert.ok(phases.includes(`${node} ${phase}`), `${node} ${phase} in ${phases.join(', ')}`);
    }
    assert.ok(
      events.some((e) => e.event === 'node'),
      'node changes too',
    );
    assert.ok(
      events.some((e) => e.event === 'config'),
      'the new config verdict',
    );
    const rollouts = (await call(cp, 'GET', '/api/rollouts', { auth: cp.basic() })).json as {
      current: unknown;
      previous: Array<{ outcome: string; target_fingerprint: string }>;
    };
    assert.equal(rollouts.current, null);
    assert.equal(rollouts.previous[0]?.outcome, 'complete');
    assert.equal(rollouts.previous[0]?.target_fingerprint, (put.json as { fingerprint: string }).fingerprint);
    assert.deepEqual(cp.cluster.stops(), ['gateway-1', 'gateway-2', 'gateway-3']);
  });
});
