/**
 * Governance accuracy and added latency (a phase of `npm run bench`; alone: `npx tsx
 * bench/governance/accuracy.ts`), measured on
 * three in-process nodes sharing one real PostgreSQL (test/support starts both) in front of
 * the mock upstream. Returns a Markdown section; the README's Governance section quotes it.
 *   - request limit L: requests admitted out of 3L sent concurrently over the three nodes;
 *   - token limit and budget: closed-loop workers on every node send until refused; the
 *     overshoot is the settled usage beyond the limit;
 *   - latency: median and p99 of sequential requests with a governed key against the same
 *     node without one (the added cost is the store round trip).
 */
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { MockUpstream } from '../../test/support/mock-upstream.js';
import { startPostgres } from '../../test/support/postgres-server.js';
import { startGateway, type RunningGateway } from '../../test/support/start-gateway.js';

const REQUEST_LIMIT = 50;
const TOKEN_LIMIT = 2000;
const BUDGET_USD = 0.01;
const WORKERS_PER_NODE = 8;

const vk = (kind: string, round: number) => `sk-bf-bench-${kind}-${String(round).padStart(4, '0')}`;

/** Runs `roundCount` rounds of each accuracy measure and the latency pairs; returns Markdown. */
export async function measureGovernanceAccuracy(roundCount = 5): Promise<string> {
  const pg = await startPostgres();
  const upstream = await MockUpstream.start();
  const databaseUrl = pg.url(await pg.createDatabase('governance_bench'));
  const rounds = Array.from({ length: roundCount }, (_, r) => r);
  const config = {
    providers: { openai: { keys: [{ name: 'oa', value: 'sk-upstream-bench-000001', models: ['*'], weight: 1 }], network_config: { base_url: upstream.url } } },
    governance: {
      virtual_keys: [
        ...rounds.flatMap((r) => [
          { id: `req-${r}`, value: vk('req', r), rate_limit_id: `req-${r}` },
          { id: `tok-${r}`, value: vk('tok', r), rate_limit_id: `tok-${r}` },
          { id: `usd-${r}`, value: vk('usd', r), budget_id: `usd-${r}` },
        ]),
        { id: 'latency', value: vk('lat', 0), rate_limit_id: 'latency' },
      ],
      rate_limits: [
        ...rounds.flatMap((r) => [
          { id: `req-${r}`, request_max_limit: REQUEST_LIMIT, request_reset_duration: '1Y' },
          { id: `tok-${r}`, token_max_limit: TOKEN_LIMIT, token_reset_duration: '1Y' },
        ]),
        { id: 'latency', request_max_limit: 1_000_000, request_reset_duration: '1Y' },
      ],
      budgets: rounds.map((r) => ({ id: `usd-${r}`, max_limit: BUDGET_USD, reset_duration: '1Y' })),
    },
  };
  const nodes: RunningGateway[] = [];
  try {
    for (const name of ['a', 'b', 'c']) nodes.push(await startGateway(config, { nodeName: name, governance: { databaseUrl } }));
    // gpt-4o at list price: the mock's 5 + 4 tokens cost $0.0000525 a request.
    const send = (node: RunningGateway, key: string) =>
      node.openai({ apiKey: key }).chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hello' }], max_tokens: 20 });
    const usage = async (): Promise<any> => (await fetch(`${nodes[0]!.url}/api/governance/usage`)).json();
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

    const rows: string[] = [];
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
    for (const r of rounds) {
      const results = await Promise.allSettled(Array.from({ length: 3 * REQUEST_LIMIT }, (_, i) => send(nodes[i % 3]!, vk('req', r))));
      const admitted = results.filter((x) => x.status === 'fulfilled').length;
      const limited = results.filter((x) => x.status === 'rejected' && x.reason instanceof OpenAI.RateLimitError).length;

      const closedLoop = async (key: string): Promise<number> => {
        let served = 0;
        await Promise.all(
          nodes.flatMap((node) =>
            Array.from({ length: WORKERS_PER_NODE }, async () => {
              for (;;) {
                try {
                  await send(node, key);
                  served++;
                } catch {
                  return;
                }
              }
            }),
          ),
        );
        return served;
      };
      const tokenServed = await closedLoop(vk('tok', r));
      const usdServed = await closedLoop(vk('usd', r));
      await settle();
      const report = await usage();
      const tokens = report.rate_limits.find((x: any) => x.id === `tok-${r}`).counters[0].used as number;
      const usd = report.budgets.find((x: any) => x.id === `usd-${r}`).used as number;
      rows.push(
        `| ${r + 1} | ${admitted} / ${3 * REQUEST_LIMIT} (limit ${REQUEST_LIMIT}), ${limited} refused 429 | ${tokenServed} served, ${tokens} used of ${TOKEN_LIMIT} (${signed(((tokens - TOKEN_LIMIT) / TOKEN_LIMIT) * 100)}) | ${usdServed} served, $${usd.toFixed(6)} of $${BUDGET_USD} (${signed(((usd - BUDGET_USD) / BUDGET_USD) * 100)}) |`,
      );
    }

    const timed = async (key: string): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 300; i++) {
        const started = performance.now();
        await send(nodes[0]!, key);
        out.push(performance.now() - started);
      }
      return out.sort((a, b) => a - b);
    };
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
    const plainTimes: number[][] = [];
    const governedTimes: number[][] = [];
    for (let i = 0; i < 3; i++) {
      plainTimes.push(await timed('no-virtual-key'));
      governedTimes.push(await timed(vk('lat', 0)));
    }
    const plain = plainTimes.flat().sort((a, b) => a - b);
    const governed = governedTimes.flat().sort((a, b) => a - b);

    const lines = [
      `Three in-process nodes sharing one PostgreSQL 15 (test/support, \`fsync=off\`), the mock upstream answering 5 + 4 tokens (gpt-4o list prices: $0.0000525 a request); ${roundCount} round${roundCount === 1 ? '' : 's'}, fresh counters each.`,
      '',
      `| round | request limit, 3 nodes, all at once | token limit, ${3 * WORKERS_PER_NODE} closed-loop workers | budget, ${3 * WORKERS_PER_NODE} closed-loop workers |`,
      '|---|---|---|---|',
      ...rows,
      '',
    ];
    lines.push(
      `Sequential requests through one node, 900 each, interleaved in three blocks: without a key p50 ${pct(plain, 50).toFixed(2)} ms p99 ${pct(plain, 99).toFixed(2)} ms; governed p50 ${pct(governed, 50).toFixed(2)} ms p99 ${pct(governed, 99).toFixed(2)} ms; added p50 ${(pct(governed, 50) - pct(plain, 50)).toFixed(2)} ms.`,
    );
    return lines.join('\n');
  } finally {
    for (const node of nodes) await node.close();
    await upstream.close();
    await pg.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measureGovernanceAccuracy(Number(process.env.ROUNDS ?? 5)).then(
    (markdown) => console.log(markdown),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
