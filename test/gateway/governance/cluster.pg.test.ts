import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { REQUESTS_PER_LEASE } from '../../../gateway/governance/store/lease-book.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { startGateway, type RunningGateway } from '../../support/start-gateway.js';

const VK_REQUESTS = 'sk-bf-cluster-requests-001';
const VK_RESTART = 'sk-bf-cluster-restart-0002';
const VK_OUTAGE = 'sk-bf-cluster-outage-00003';
const VK_TOKENS = 'sk-bf-cluster-tokens-00004';
const REQUEST_LIMIT = 30;
const TOKEN_LIMIT = 300;
/** The most requests one node admits from a lease of a request counter. */
const LEASE_SIZE = REQUESTS_PER_LEASE;

/** Counts fulfilled calls and RateLimitErrors; anything else fails the test. */
async function tally(calls: Promise<unknown>[]): Promise<{ ok: number; limited: number }> {
  const results = await Promise.allSettled(calls);
  let ok = 0;
  let limited = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') ok++;
    else if (result.reason instanceof OpenAI.RateLimitError) limited++;
    else throw result.reason;
  }
  return { ok, limited };
}

describe('governance across three nodes sharing one PostgreSQL', function () {
  this.timeout(120_000);
  let pg: PostgresServer;
  let upstream: MockUpstream;
  let databaseUrl: string;
  const nodes: RunningGateway[] = [];

  // Windows of a year: a test never straddles a window's end (it would split the counts).
  const config = {
    providers: { openai: { keys: [{ name: 'oa', value: 'sk-upstream-cluster-00001', models: ['*'], weight: 1 }], network_config: { base_url: '' } } },
    governance: {
      virtual_keys: [
        { id: 'vk-requests', value: VK_REQUESTS, rate_limit_id: 'requests' },
        { id: 'vk-restart', value: VK_RESTART, rate_limit_id: 'restart' },
        { id: 'vk-outage', value: VK_OUTAGE, rate_limit_id: 'outage' },
        { id: 'vk-tokens', value: VK_TOKENS, rate_limit_id: 'tokens' },
      ],
      rate_limits: [
        { id: 'requests', request_max_limit: REQUEST_LIMIT, request_reset_duration: '1Y' },
        { id: 'restart', request_max_limit: 10, request_reset_duration: '1Y' },
        { id: 'outage', request_max_limit: 1000, request_reset_duration: '1Y' },
        { id: 'tokens', token_max_limit: TOKEN_LIMIT, token_reset_duration: '1Y' },
      ],
    },
  };

  const startNode = async (name: string, failMode: 'closed' | 'open' = 'closed'): Promise<RunningGateway> => {
    const node = await startGateway(
      { ...config, providers: { openai: { ...config.providers.openai, network_config: { base_url: upstream.url } } } },
      { nodeName: name, governance: { databaseUrl, failMode, retryMs: 0 } },
    );
    nodes.push(node);
    return node;
  };
  const chat = (node: RunningGateway, key: string) =>
    node.openai({ apiKey: key }).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 });
  /** Sends one request after another until one is refused (or `max` are served). */
  const chatUntilRefused = async (node: RunningGateway, key: string, max: number): Promise<{ count: number; refusal: unknown }> => {
    for (let count = 0; count < max; count++) {
      const refusal = await chat(node, key).then(
        () => undefined,
        (error: unknown) => error ?? new Error('refused'),
      );
      if (refusal !== undefined) return { count, refusal };
    }
    return { count: max, refusal: undefined };
  };
  const usageOf = async (node: RunningGateway, id: string): Promise<number[]> => {
    const report = (await (await fetch(`${node.url}/api/governance/usage`)).json()) as { rate_limits: { id: string; counters: { used: number }[] }[] };
    return report.rate_limits.find((rl) => rl.id === id)?.counters.map((c) => c.used) ?? [];
  };

  before(async () => {
    pg = await startPostgres();
    upstream = await MockUpstream.start();
    databaseUrl = pg.url(await pg.createDatabase('governance_cluster'));
    for (const name of ['node-a', 'node-b', 'node-c']) await startNode(name);
  });

  after(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await upstream?.close();
    await pg?.destroy();
  });

  it(`admits exactly ${REQUEST_LIMIT} of 120 concurrent requests spread over three nodes`, async () => {
    const before = upstream.requests.length;
    const trio = nodes.slice(0, 3);
    const { ok, limited } = await tally(Array.from({ length: 120 }, (_, i) => chat(trio[i % 3] as RunningGateway, VK_REQUESTS)));
    assert.equal(ok, REQUEST_LIMIT);
    assert.equal(limited, 120 - REQUEST_LIMIT);
    assert.equal(upstream.requests.length - before, REQUEST_LIMIT, 'refused requests never reached the provider');
    assert.deepEqual(await usageOf(trio[1] as RunningGateway, 'requests'), [REQUEST_LIMIT]);
  });

  it("keeps a window's usage when a node restarts mid-window", async () => {
    const first = nodes[0] as RunningGateway;
    for (let i = 0; i < 6; i++) await chat(first, VK_RESTART);
    await first.close();
    const restarted = await startNode('node-a-restarted');
    const { ok, limited } = await tally(Array.from({ length: 8 }, () => chat(restarted, VK_RESTART)));
    assert.deepEqual({ ok, limited }, { ok: 4, limited: 4 });
  });

  it('bounds the token overshoot by what was in flight', async () => {
    const live = nodes.slice(-3);
    // Each request reserves its estimate (prompt + max_tokens 10) and settles to the mock's 9 tokens.
    let served = 0;
    for (let wave = 0; wave < 20; wave++) {
      const { ok } = await tally(Array.from({ length: 9 }, (_, i) => chat(live[i % 3] as RunningGateway, VK_TOKENS)));
      served += ok;
      if (ok === 0) break;
    }
    // Settlements run when responses close: poll the shared usage until every one is in.
    let used = 0;
    for (let i = 0; i < 200 && used !== served * 9; i++) {
      used = (await usageOf(live[0] as RunningGateway, 'tokens'))[0] ?? 0;
      if (used !== served * 9) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(used, served * 9, 'every reservation was settled to the real usage');
    assert.ok(used >= TOKEN_LIMIT, `refused only once the limit was reached (${used})`);
    // Bifrost's rule admits while usage < limit; the overshoot is at most one wave in flight.
    assert.ok(used - TOKEN_LIMIT < 9 * 9, `overshoot ${used - TOKEN_LIMIT} tokens`);
  });

  it('fails closed while the store is down (503, nothing upstream) once its lease is spent, and recovers without a restart', async () => {
    const node = nodes[nodes.length - 1] as RunningGateway;
    await chat(node, VK_OUTAGE);
    const [before0] = await usageOf(node, 'outage');
    await pg.stop();
    let servedFromLease = 0;
    try {
      // The node may still hold a lease (headroom already charged in the store): it serves
      // that much, counted, then refuses.
      const served = await chatUntilRefused(node, VK_OUTAGE, LEASE_SIZE + 5);
      assert.ok(served.count <= LEASE_SIZE, `served ${served.count} during the outage, more than one lease`);
      servedFromLease = served.count;
      assert.ok(served.refusal instanceof OpenAI.InternalServerError);
      assert.equal(served.refusal.status, 503);
      assert.equal((served.refusal.error as { type?: string }).type, 'governance_unavailable');
      const before = upstream.requests.length;
      await assert.rejects(chat(node, VK_OUTAGE), OpenAI.InternalServerError);
      assert.equal(upstream.requests.length, before, 'nothing was sent upstream once refused');
    } finally {
      await pg.start();
    }
    let answered = false;
    for (let i = 0; i < 100 && !answered; i++) {
      answered = await chat(node, VK_OUTAGE).then(
        () => true,
        () => false,
      );
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(answered, 'served again once the store was back');
    // What the node served from its lease while the store was away is counted once it is back.
    const expected = (before0 as number) + servedFromLease + 1;
    let counted = 0;
    for (let i = 0; i < 200 && counted !== expected; i++) {
      counted = (await usageOf(node, 'outage'))[0] ?? 0;
      if (counted !== expected) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(counted, expected, 'the requests served from the lease during the outage were counted');
    assert.ok(node.logs.some((l) => l.event === 'governance-store-down'));
    assert.ok(node.logs.some((l) => l.event === 'governance-store-up'));
  });

  it('fails open when told to: serves while the store is down and adds that usage when it is back', async () => {
    const node = await startNode('node-open', 'open');
    await chat(node, VK_OUTAGE);
    const [before] = await usageOf(node, 'outage');
    await pg.stop();
    // More than one lease's worth, so that some are counted in the node's memory.
    const duringOutage = LEASE_SIZE + 5;
    try {
      for (let i = 0; i < duringOutage; i++) await chat(node, VK_OUTAGE);
    } finally {
      await pg.start();
    }
    // Every request served from now on is counted too; stop once the store shows them all.
    let after = 0;
    let served = duringOutage;
    for (let i = 0; i < 100; i++) {
      await chat(node, VK_OUTAGE);
      served++;
      after = (await usageOf(node, 'outage'))[0] ?? 0;
      if (after === (before as number) + served) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(after, (before as number) + served, 'the requests served during the outage were added to the shared counter');
    assert.ok(node.logs.some((l) => l.event === 'governance-store-up' && (l.reconciled as number) >= 1));
  });
});
