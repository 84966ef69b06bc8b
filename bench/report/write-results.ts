import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpu, errorText, findRow, findSaturation, known, ms, ratio, signed, whole } from './format.js';
import { renderHeadline } from './headline.js';
import { IDLE_EARLY_S, IDLE_SETTLED_S } from './idle-memory.js';
import { addedByRound, medianOf } from './paired-rounds.js';
import type { BenchResults } from './results.js';
import { LIBRARY_FLOOR_ROW } from '../targets/library-floor.js';

const NOTES_PATH = 'bench/profile-notes.md';

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
    '| Target | Workers | Throughput (req/s; mean of rounds) | By round (req/s) | p50 | p99 | vs direct | Target CPU per request (µs; pooled) | Errors |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const direct = findSaturation(results.saturation, 'direct');
  for (const row of results.saturation) {
    lines.push(
      `| ${row.target} | ${row.concurrency} | ${whole(row.throughput)} | ${row.throughputByRound?.map(whole).join(' / ') ?? '-'} | ${ms(row.latency.p50)} | ${ms(row.latency.p99)} | ${ratio(row.throughput, direct?.throughput)} | ${cpu(row.cpuPerRequestUs)} | ${errorText(row.errors, row.errorKinds)} |`,
    );
  }
  return [...lines, ''];
}

function renderMemory(results: BenchResults): string[] {
  const lines = [
    '## Memory and start-up (VmRSS from /proc/<pid>/status)',
    '',
    `| Target process | Idle, ${IDLE_EARLY_S} s after start (MB) | Idle, ${IDLE_SETTLED_S} s after start (MB) | Peak under load (MB) | Idle, 5 s after the last load (MB) |`,
    '|---|---|---|---|---|',
  ];
  for (const row of results.memory) {
    lines.push(`| ${row.target} | ${ms(row.idleMb)} | ${ms(row.settledIdleMb)} | ${ms(row.peakUnderLoadMb)} | ${ms(row.idleAfterLoadMb)} |`);
  }
  if (results.memory.some((row) => row.target === LIBRARY_FLOOR_ROW)) {
    lines.push(
      '',
      `"${LIBRARY_FLOOR_ROW}" is bench/library-floor/main.mjs: the libraries a node loads (Koa and its router, pino, prom-client with its default metrics, yup, jsonc-parser, undici's Agent, eventsource-parser), each used once as the node uses it at start-up, behind one route, started with the node's flags and read at the same age; the difference to the gateway is the node's own code and what it holds. The pass-through runs under tsx, whose loader is in its RSS.`,
    );
  }
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
    ...renderHeadline(results, results.stateCosts),
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
