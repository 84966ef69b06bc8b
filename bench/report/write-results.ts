import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { addedByRound, medianOf } from './paired-rounds.js';
import type { BenchResults, RateRow, SaturationRow } from './results.js';

const NOTES_PATH = 'bench/profile-notes.md';

// Figures may be NaN, or null once read back from JSON: both print as n/a.
const known = (value: number | null | undefined): value is number => typeof value === 'number' && !Number.isNaN(value);
const ms = (value: number | undefined): string => (known(value) ? value.toFixed(2) : 'n/a');
const signed = (value: number | undefined): string => (known(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : 'n/a');
const ratio = (a: number | undefined, b: number | undefined): string => (known(a) && known(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const cpu = (value: number | undefined): string => (known(value) ? value.toFixed(0) : 'n/a');
const errorText = (errors: number, kinds: Record<string, number>): string =>
  errors === 0
    ? '0'
    : `${errors} (${Object.entries(kinds)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')})`;

function findRow(rows: RateRow[], target: string, rate: number, stream: boolean): RateRow | undefined {
  return rows.find((row) => row.target === target && row.rate === rate && row.stream === stream);
}

function findSaturation(rows: SaturationRow[], target: string): SaturationRow | undefined {
  return rows.find((row) => row.target === target);
}

/** The added latency at one percentile: median of the paired rounds, and the rounds themselves. */
function addedLatency(results: BenchResults, target: string, percentile: 'p50' | 'p99'): { median?: number; text: string } {
  const row = findRow(results.rates, target, 500, false);
  const direct = findRow(results.rates, 'direct', 500, false);
  if (!row || !direct) return { text: 'n/a' };
  const pooled = row.latency[percentile] - direct.latency[percentile];
  const rounds = addedByRound(row, direct, percentile);
  if (!rounds) return { median: pooled, text: `${signed(pooled)} (pooled)` };
  const median = medianOf(rounds);
  return { median, text: `${signed(median)} (rounds ${rounds.map(signed).join(' / ')}; pooled ${signed(pooled)})` };
}

function renderHeadline(results: BenchResults): string[] {
  const oursP50 = addedLatency(results, 'gateway', 'p50');
  const oursP99 = addedLatency(results, 'gateway', 'p99');
  const peerP50 = addedLatency(results, 'portkey', 'p50');
  const peerP99 = addedLatency(results, 'portkey', 'p99');
  const gateway500 = findRow(results.rates, 'gateway', 500, false);
  const portkey500 = findRow(results.rates, 'portkey', 500, false);
  const satOurs = findSaturation(results.saturation, 'gateway')?.throughput;
  const satPeer = findSaturation(results.saturation, 'portkey')?.throughput;
  const satDirect = findSaturation(results.saturation, 'direct')?.throughput;
  const idle = results.memory.find((row) => row.target === 'gateway')?.idleMb;
  const rollouts = results.cluster.measured ? (results.cluster.rolloutsConvergedS ?? []) : [];
  // The slowest edit carries the verdict; one that never converged is NaN and misses it.
  const slowestRollout = rollouts.length === 0 ? undefined : rollouts.some((s) => !known(s)) ? NaN : Math.max(...rollouts);
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
  const defined = known;
  return [
    '## Headline',
    '',
    'Added latency is the median over the paired rounds of (target − direct) in the same round; each round and the pooled figure follow it.',
    '',
    '| Measure | Ours (one node) | Portkey | Ratio / target | Verdict |',
    '|---|---|---|---|---|',
    `| Added latency p50 at 500 req/s vs direct (ms) | ${oursP50.text} | ${peerP50.text} | target <= 1 ms | ${verdict(defined(oursP50.median) ? oursP50.median <= 1 : undefined)} |`,
    `| Added latency p99 at 500 req/s vs direct (ms) | ${oursP99.text} | ${peerP99.text} | target <= 5 ms | ${verdict(defined(oursP99.median) ? oursP99.median <= 5 : undefined)} |`,
    `| Saturation throughput (req/s, closed loop) | ${ms(satOurs)} | ${ms(satPeer)} | ours/Portkey ${ratio(satOurs, satPeer)}; ours/direct ${ratio(satOurs, satDirect)} | ${verdict(defined(satOurs) && defined(satPeer) ? satOurs >= satPeer : undefined)} |`,
    `| Target CPU per request at 500 req/s (µs) | ${cpu(gateway500?.cpuPerRequestUs)} | ${cpu(portkey500?.cpuPerRequestUs)} | ours/Portkey ${ratio(gateway500?.cpuPerRequestUs, portkey500?.cpuPerRequestUs)} | (no target) |`,
    `| Idle RSS (MB) | ${ms(idle)} | ${ms(results.memory.find((row) => row.target === 'portkey')?.idleMb)} | target <= 80 MB | ${verdict(defined(idle) ? idle <= 80 : undefined)} |`,
    `| Three-node rollout under 100 req/s, write to all converged (s) | ${rollouts.length === 0 ? 'n/a' : `slowest of ${rollouts.length}: ${ms(slowestRollout)} (${rollouts.map(ms).join(' / ')})`} | n/a | target <= 15 s | ${verdict(slowestRollout === undefined ? undefined : known(slowestRollout) && slowestRollout <= 15)} |`,
    '',
  ];
}

function renderRates(results: BenchResults, stream: boolean): string[] {
  const rows = results.rates.filter((row) => row.stream === stream);
  if (rows.length === 0) return [];
  const lines = stream
    ? [
        '## Streaming (10 chunks, open loop)',
        '',
        'TTFC = scheduled send to first content chunk; chunk lag = upstream emit to client arrival of each chunk (clock shared on this box). "Added" is against direct at the same rate.',
        '',
        '| Rate | Target | TTFC p50 | TTFC p99 | Added TTFC p50 | Added TTFC p99 | Chunk lag p50 | Chunk lag p99 | Added per chunk p50 | Added per chunk p99 | Full stream p99 | CPU per stream (µs) | Errors |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ]
    : [
        '## Non-streaming latency (open loop, ms from scheduled send; rounds pooled)',
        '',
        '| Rate (req/s) | Target | p50 | p90 | p99 | p99 by round | Added p50 | Added p99 | Added p99 by round (paired) | CPU steal % by round | Achieved req/s | Target CPU per request (µs) | Errors | Gen. send lag p99 |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ];
  for (const row of rows) {
    const direct = findRow(results.rates, 'direct', row.rate, stream);
    if (stream) {
      lines.push(
        `| ${row.rate} | ${row.target} | ${ms(row.firstChunk?.p50)} | ${ms(row.firstChunk?.p99)} | ${signed(row.firstChunk && direct?.firstChunk ? row.firstChunk.p50 - direct.firstChunk.p50 : undefined)} | ${signed(row.firstChunk && direct?.firstChunk ? row.firstChunk.p99 - direct.firstChunk.p99 : undefined)} | ${ms(row.chunkLag?.p50)} | ${ms(row.chunkLag?.p99)} | ${signed(row.chunkLag && direct?.chunkLag ? row.chunkLag.p50 - direct.chunkLag.p50 : undefined)} | ${signed(row.chunkLag && direct?.chunkLag ? row.chunkLag.p99 - direct.chunkLag.p99 : undefined)} | ${ms(row.latency.p99)} | ${cpu(row.cpuPerRequestUs)} | ${errorText(row.errors, row.errorKinds)} |`,
      );
    } else {
      lines.push(
        `| ${row.rate} | ${row.target} | ${ms(row.latency.p50)} | ${ms(row.latency.p90)} | ${ms(row.latency.p99)} | ${row.p99ByRound?.map(ms).join(' / ') ?? 'n/a'} | ${signed(direct ? row.latency.p50 - direct.latency.p50 : undefined)} | ${signed(direct ? row.latency.p99 - direct.latency.p99 : undefined)} | ${(direct && addedByRound(row, direct, 'p99')?.map(signed).join(' / ')) ?? 'n/a'} | ${row.stealPctByRound?.map((v) => (known(v) ? v.toFixed(1) : 'n/a')).join(' / ') ?? 'n/a'} | ${row.throughput.toFixed(0)} | ${cpu(row.cpuPerRequestUs)} | ${errorText(row.errors, row.errorKinds)} | ${ms(row.sendLagP99)} |`,
      );
    }
  }
  return [...lines, ''];
}

function renderSaturation(results: BenchResults): string[] {
  if (results.saturation.length === 0) return [];
  const lines = [
    '## Saturation (closed loop: N workers sending back to back)',
    '',
    '| Target | Workers | Throughput (req/s) | p50 | p99 | vs direct | Target CPU per request (µs) | Errors |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const direct = findSaturation(results.saturation, 'direct');
  for (const row of results.saturation) {
    lines.push(
      `| ${row.target} | ${row.concurrency} | ${row.throughput.toFixed(0)} | ${ms(row.latency.p50)} | ${ms(row.latency.p99)} | ${ratio(row.throughput, direct?.throughput)} | ${cpu(row.cpuPerRequestUs)} | ${errorText(row.errors, row.errorKinds)} |`,
    );
  }
  return [...lines, ''];
}

function renderMemory(results: BenchResults): string[] {
  const lines = [
    '## Memory and start-up (VmRSS from /proc/<pid>/status)',
    '',
    '| Target process | Idle, 2 s after start (MB) | Peak under load (MB) | Idle, 5 s after the last load (MB) |',
    '|---|---|---|---|',
  ];
  for (const row of results.memory) lines.push(`| ${row.target} | ${ms(row.idleMb)} | ${ms(row.peakUnderLoadMb)} | ${ms(row.idleAfterLoadMb)} |`);
  const startup = results.startupMs ?? [];
  if (startup.length > 0) {
    lines.push(
      '',
      `Start-up of one gateway node on the idle box, spawn to its first /health 200 (polled every 5 ms), ${startup.length} starts: median ${medianOf(startup).toFixed(0)} ms (${startup.map((v) => v.toFixed(0)).join(', ')}). It is the node's own share of each step of a rollout.`,
    );
  }
  return [...lines, ''];
}

/** Renders the results as markdown. */
export function renderResults(results: BenchResults): string {
  const m = results.machine;
  const missing = Object.entries(results.missingTargets);
  const notes = existsSync(NOTES_PATH) ? readFileSync(NOTES_PATH, 'utf8').trim() : '';
  return [
    '# Benchmark results',
    '',
    `Generated by \`${results.quick ? 'BENCH_QUICK=1 ' : ''}npm run bench\` on ${m.date} (${results.durationS.toFixed(0)} s).${results.quick ? ' **Quick smoke run: short steps, figures are rough.**' : ''}`,
    '',
    `- Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGb} GB RAM, Linux ${m.kernel}; load generator, upstream and targets all on this box (separate processes).`,
    `- Load average (1 min) at start ${m.loadAverageStart.toFixed(2)}, at end ${results.loadAverageEnd.toFixed(2)}: anything well above 0 means other work shared the CPUs during the run.`,
    `- CPU steal over the run: ${known(results.stealPctRun) ? `${results.stealPctRun.toFixed(1)}%` : 'n/a'} of the box's CPU time went to other guests of the hypervisor (/proc/stat); the tables give it per round. Tail latency on a box with steal measures the neighbours too.`,
    `- Node ${m.node}; ${m.ourVersion} at commit ${m.ourCommit}; @portkey-ai/gateway ${m.portkeyVersion} (headless, NODE_ENV=production).`,
    `- Upstream: local mock of OpenAI chat completions, 20 ms before the answer, ~1.1 KB JSON; streams: 10 chunks, first after 20 ms, then every 2 ms.`,
    `- ${results.planText}`,
    ...missing.map(([target, why]) => `- **${target} not measured**: ${why}`),
    '',
    'Absolute figures move between runs on a shared machine; compare within one run. Ratios are the headline.',
    '',
    ...renderHeadline(results),
    ...renderRates(results, false),
    ...renderRates(results, true),
    ...renderSaturation(results),
    ...renderMemory(results),
    '## Cluster and rollout',
    '',
    results.cluster.measured ? results.cluster.markdown : `Not measured: ${results.cluster.reason}`,
    '',
    ...(results.sections ?? []).flatMap((section) => [
      `## ${section.title}`,
      '',
      section.outcome.measured ? section.outcome.markdown : `Not measured: ${section.outcome.reason}`,
      '',
    ]),
    ...(notes ? ['## Profile findings', '', notes, ''] : []),
  ].join('\n');
}

/** Writes bench/RESULTS.md. */
export function writeResults(results: BenchResults, path = 'bench/RESULTS.md'): void {
  writeFileSync(path, renderResults(results));
}
