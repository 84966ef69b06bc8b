import type { StateCostFigures } from '../state/render-state-costs.js';
import { cpu, findRow, findSaturation, known, ms, ratio, signed, whole } from './format.js';
import { medianOf, pairedDifference } from './paired-rounds.js';
import type { BenchResults, MemoryRow, RateRow } from './results.js';
import { LIBRARY_FLOOR_ROW } from '../targets/library-floor.js';
import { IDLE_EARLY_S, IDLE_SETTLED_S, idleBaselineMb } from './idle-memory.js';
import { SETTLE_RATIO, SETTLE_WATCH_S } from './rss.js';

/** Issue 19's ceiling on a node's idle RSS. */
const IDLE_RSS_TARGET_MB = 60;

/** A figure of one target: its value and how it was made. */
interface Figure {
  value?: number;
  text: string;
}

/** Added latency (ms) at a rate: the median over paired rounds of (target − direct), the rounds beside it. */
function addedLatency(results: BenchResults, target: string, rate: number, percentile: 'p50' | 'p99'): Figure {
  const row = findRow(results.rates, target, rate, false);
  const direct = findRow(results.rates, 'direct', rate, false);
  if (!row || !direct) return { text: 'n/a' };
  const { value, rounds } = pairedDifference(row, direct, percentile);
  return { value, text: rounds ? `${signed(value)} (${rounds.map(signed).join(' / ')})` : `${signed(value)} (pooled)` };
}

/** Added stream latency (ms, pooled) at p99: time to first chunk or per chunk, against direct. */
function addedStream(results: BenchResults, target: string, rate: number, measure: 'firstChunk' | 'chunkLag'): Figure {
  const row: RateRow | undefined = findRow(results.rates, target, rate, true);
  const direct = findRow(results.rates, 'direct', rate, true);
  const ours = row?.[measure]?.p99;
  const base = direct?.[measure]?.p99;
  if (!known(ours) || !known(base)) return { text: 'n/a' };
  return { value: ours - base, text: signed(ours - base) };
}

/**
 * CPU per request (µs) at a rate, pooled over the rounds (the verdict's figure: what the load cost
 * in all), with each round's figure beside it.
 */
function cpuAt(rows: RateRow[], target: string, rate: number): Figure & { rounds?: number[] } {
  const row = findRow(rows, target, rate, false);
  if (!row || !known(row.cpuPerRequestUs)) return { text: 'n/a' };
  const rounds = row.cpuPerRequestUsByRound;
  return rounds
    ? { value: row.cpuPerRequestUs, rounds, text: `${cpu(row.cpuPerRequestUs)} (${rounds.map(cpu).join(' / ')})` }
    : plain(row.cpuPerRequestUs, cpu);
}

/**
 * "; median of rounds N.NNx" over the per-round ratios of two figures measured in the same
 * rounds, or nothing when either lacks its rounds. The verdict stays on the pooled ratio; the
 * median shows whether one dear round made it.
 */
function medianOfRoundsNote(ours: { rounds?: number[] }, theirs: { rounds?: number[] }): string {
  if (!ours.rounds || !theirs.rounds || ours.rounds.length !== theirs.rounds.length) return '';
  const ratios = ours.rounds.map((value, round) => value / (theirs.rounds?.[round] as number));
  return `; median of rounds ${medianOf(ratios).toFixed(2)}x`;
}

/** The CPU row against the pass-through, with the median of the per-round ratios in the ratio cell. */
function cpuAgainstPassthrough(results: BenchResults, rate: number, limit: number): string {
  const ours = cpuAt(results.rates, 'gateway', rate);
  const theirs = cpuAt(results.rates, 'passthrough', rate);
  const note = medianOfRoundsNote(ours, theirs);
  const measure = `CPU per request at ${rate} req/s (µs${note ? '; pooled, each round in brackets' : ''})`;
  return againstPassthrough(measure, ours, theirs, limit, false, note);
}

/** The saturation row against the pass-through: mean throughput over the rounds, each beside it. */
function saturationAgainstPassthrough(results: BenchResults, limit: number): string {
  const figure = (target: string): Figure & { rounds?: number[] } => {
    const row = findSaturation(results.saturation, target);
    const rounds = row?.throughputByRound;
    return row && rounds && rounds.length > 1
      ? { value: row.throughput, rounds, text: `${whole(row.throughput)} (${rounds.map(whole).join(' / ')})` }
      : plain(row?.throughput, whole);
  };
  const ours = figure('gateway');
  const theirs = figure('passthrough');
  const note = medianOfRoundsNote(ours, theirs);
  return againstPassthrough(`Saturation (req/s, closed loop${note ? '; mean of rounds, each in brackets' : ''})`, ours, theirs, limit, true, note);
}

const plain = (value: number | undefined, format: (v: number | undefined) => string = ms): Figure => ({
  ...(known(value) ? { value } : {}),
  text: format(value),
});

/**
 * One row against the pass-through: ours / theirs against `limit` (at most, or at least with
 * `atLeast`). An added latency the pass-through does not show (0 or less) leaves no ratio: the
 * target is then met only if ours adds none either, since any multiple of nothing is nothing.
 */
function againstPassthrough(measure: string, ours: Figure, theirs: Figure, limit: number, atLeast = false, ratioNote = ''): string {
  const target = `(target ${atLeast ? '>=' : '<='} ${limit}x)`;
  if (!known(ours.value) || !known(theirs.value)) return `| ${measure} | ${ours.text} | ${theirs.text} | n/a ${target} | not measured |`;
  if (!atLeast && theirs.value <= 0) {
    const verdict = ours.value <= 0 ? 'met' : '**missed**';
    return `| ${measure} | ${ours.text} | ${theirs.text} | n/a: the pass-through adds none ${target} | ${verdict} |`;
  }
  const value = ours.value / theirs.value;
  const verdict = (atLeast ? value >= limit : value <= limit) ? 'met' : '**missed**';
  return `| ${measure} | ${ours.text} | ${theirs.text} | ${value.toFixed(2)}x${ratioNote} ${target} | ${verdict} |`;
}

function stateRows(state: StateCostFigures | undefined): string[] {
  if (!state) return [];
  const rows: string[] = [];
  for (const rate of [...new Set(state.rates.map((row) => row.rate))]) {
    const off = cpuAt(state.rates, state.names.off, rate);
    for (const [label, name] of [
      ['governance on', state.names.governance],
      ['request log on', state.names.requestLog],
    ] as const) {
      const on = cpuAt(state.rates, name, rate);
      const value = known(on.value) && known(off.value) && off.value > 0 ? on.value / off.value : undefined;
      const ratioText = value === undefined ? 'n/a' : `${value.toFixed(2)}x${medianOfRoundsNote(on, off)}`;
      rows.push(
        `| CPU per request at ${rate} req/s, ${label} vs off (µs; pooled, each round in brackets) | ${on.text} | ${off.text} (off) | ${ratioText} (target <= 1.15x) | ${value === undefined ? 'not measured' : value <= 1.15 ? 'met' : '**missed**'} |`,
      );
    }
  }
  return rows;
}

/** When the node's RSS came back within SETTLE_RATIO of idle after the load. */
function settledText(memory: MemoryRow | undefined): string {
  if (!memory || !known(memory.idleMb) || memory.settledAfterS === undefined) return 'its return not watched';
  return memory.settledAfterS === null
    ? `not within ${SETTLE_RATIO}x in ${SETTLE_WATCH_S} s`
    : `within ${SETTLE_RATIO}x of idle ${memory.settledAfterS} s after`;
}

function settledVerdict(memory: MemoryRow | undefined): string {
  if (!memory || !known(memory.idleMb)) return 'not measured';
  if (memory.settledAfterS === undefined) return memory.idleAfterLoadMb <= idleBaselineMb(memory) * SETTLE_RATIO ? 'met' : '**missed** (5 s after)';
  return memory.settledAfterS === null ? '**missed**' : `met (after ${memory.settledAfterS} s)`;
}

/**
 * Idle RSS, early and settled, beside the runtime libraries' own floor read the same way. Met
 * only if both readings are within the target: the early one is the larger.
 */
function idleRssRow(memory: MemoryRow | undefined, floor: MemoryRow | undefined): string {
  const pair = (row: MemoryRow | undefined): string => (row?.settledIdleMb === undefined ? ms(row?.idleMb) : `${ms(row.idleMb)} / ${ms(row.settledIdleMb)}`);
  const readings = [memory?.idleMb, memory?.settledIdleMb].filter(known);
  const verdict = readings.length === 0 ? 'not measured' : Math.max(...readings) <= IDLE_RSS_TARGET_MB ? 'met' : '**missed**';
  return `| Idle RSS (MB), ${IDLE_EARLY_S} s after start / ${IDLE_SETTLED_S} s (settled) | ${pair(memory)} | runtime libraries alone: ${floor ? pair(floor) : 'n/a'} | target <= ${IDLE_RSS_TARGET_MB} MB | ${verdict} |`;
}

/** The headline: the performance targets, each as a ratio to the bare pass-through in this run, then Portkey. */
export function renderHeadline(results: BenchResults, state?: StateCostFigures): string[] {
  const satOurs = findSaturation(results.saturation, 'gateway')?.throughput;
  const satPeer = findSaturation(results.saturation, 'portkey')?.throughput;
  const cpuOf = (target: string) => findRow(results.rates, target, 500, false)?.cpuPerRequestUs;
  const memory = results.memory.find((row) => row.target === 'gateway');
  const settle = memory && known(memory.idleAfterLoadMb) && known(memory.idleMb) ? memory.idleAfterLoadMb / idleBaselineMb(memory) : undefined;
  const rollouts = results.cluster.measured ? (results.cluster.rolloutsConvergedS ?? []) : [];
  return [
    '## Headline',
    '',
    'Targets of issue 19, each a ratio to the bare pass-through (node:http + undici, body forwarded untouched) measured in this same run. Added latency is against the direct upstream: the median over paired rounds (each round in brackets); stream figures are pooled over the rounds.',
    '',
    '| Measure | Ours (one node) | Bare pass-through | Ratio (target) | Verdict |',
    '|---|---|---|---|---|',
    saturationAgainstPassthrough(results, 0.9),
    againstPassthrough('Added p50 at 1,000 req/s (ms)', addedLatency(results, 'gateway', 1000, 'p50'), addedLatency(results, 'passthrough', 1000, 'p50'), 1.5),
    againstPassthrough('Added p99 at 1,000 req/s (ms)', addedLatency(results, 'gateway', 1000, 'p99'), addedLatency(results, 'passthrough', 1000, 'p99'), 2),
    againstPassthrough(
      'Streams at 500/s: added time to first chunk p99 (ms)',
      addedStream(results, 'gateway', 500, 'firstChunk'),
      addedStream(results, 'passthrough', 500, 'firstChunk'),
      2,
    ),
    againstPassthrough(
      'Streams at 500/s: added per-chunk p99 (ms)',
      addedStream(results, 'gateway', 500, 'chunkLag'),
      addedStream(results, 'passthrough', 500, 'chunkLag'),
      2,
    ),
    cpuAgainstPassthrough(results, 500, 1.3),
    idleRssRow(
      memory,
      results.memory.find((row) => row.target === LIBRARY_FLOOR_ROW),
    ),
    `| RSS after the last load vs idle | ${ms(memory?.idleAfterLoadMb)} MB 5 s after (${settle === undefined ? 'n/a' : `${settle.toFixed(2)}x`}); ${settledText(memory)} | - | target back within 1.2x | ${settledVerdict(memory)} |`,
    ...stateRows(state),
    '',
    '| Beside Portkey | Ours | Portkey | Ratio |',
    '|---|---|---|---|',
    `| Saturation (req/s) | ${whole(satOurs)} | ${whole(satPeer)} | ${ratio(satOurs, satPeer)} |`,
    `| Added p99 at 500 req/s (ms) | ${addedLatency(results, 'gateway', 500, 'p99').text} | ${addedLatency(results, 'portkey', 500, 'p99').text} | - |`,
    `| CPU per request at 500 req/s (µs) | ${cpu(cpuOf('gateway'))} | ${cpu(cpuOf('portkey'))} | ${ratio(cpuOf('gateway'), cpuOf('portkey'))} |`,
    `| Three-node rollouts under 100 req/s, write to all converged (s) | ${rollouts.length === 0 ? 'n/a' : rollouts.map(ms).join(' / ')} | n/a | - |`,
    '',
  ];
}
