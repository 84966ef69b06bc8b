import { ratio, signed } from '../report/format.js';
import { pairedDifference } from '../report/paired-rounds.js';
import type { RateRow } from '../report/results.js';

/** What the state-cost phase measured. */
export interface StateCostFigures {
  rates: RateRow[];
  /** Target names in this phase's rows. */
  names: { direct: string; off: string; governance: string; requestLog: string };
  requestLog: { sent: number; rowsWritten: number; dropped: number };
  governance: { sent: number; counted: number };
}

/** Median over paired rounds of (row − base) at a percentile, with the rounds. */
function pairedDelta(row: RateRow, base: RateRow, percentile: 'p50' | 'p99'): string {
  const { value, rounds } = pairedDifference(row, base, percentile);
  return rounds ? `${signed(value)} (${rounds.map(signed).join(' / ')})` : signed(value);
}

/** A CPU figure in whole µs, or n/a. */
const microseconds = (us: number | undefined): string => (us !== undefined && Number.isFinite(us) ? us.toFixed(0) : 'n/a');

/** The state-cost section of RESULTS.md. */
export function renderStateCosts(figures: StateCostFigures): string {
  const { names } = figures;
  const label: Record<string, string> = {
    [names.direct]: 'direct upstream',
    [names.off]: 'node, governance and request log off',
    [names.governance]: 'node, governance on (virtual key, rate limit, budget)',
    [names.requestLog]: 'node, request log on (content logged)',
  };
  const lines = [
    "The same node three times: with governance and the request log off, with governance on (every request carries a virtual key checked against a rate limit and a budget whose counters live in PostgreSQL, admitted from the headroom the node leases from them: a statement per lease, not per request), and with the request log on (a row per request, content included, written in batches off the request path). One PostgreSQL 15 on this box, started by the bench on a throw-away directory with `fsync=off` (a production server syncs its writes: slower commits, but off the request path for the log). Paired rounds, targets interleaved, their order rotated by one place each round (over four rounds each target takes each place once, rests as long between its steps as the others, and never runs twice in a row), each step started once the nodes and PostgreSQL's processes are idle; \"vs off\" is the median over rounds of (target − node off) in the same round, each round in brackets. CPU per request is the node process's; PostgreSQL's, all its processes during the same steps, is in a column of its own (rows of older runs have none).",
    '',
    '| Rate (req/s) | Target | p50 | p99 | Added p50 vs off | Added p99 vs off | CPU per request (µs) | CPU vs off | PostgreSQL CPU per request (µs) | Errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const rates = [...new Set(figures.rates.map((row) => row.rate))];
  for (const rate of rates) {
    const off = figures.rates.find((row) => row.rate === rate && row.target === names.off);
    for (const row of figures.rates.filter((r) => r.rate === rate)) {
      const vsOff = off && row.target !== names.off && row.target !== names.direct;
      lines.push(
        `| ${rate} | ${label[row.target] ?? row.target} | ${row.latency.p50.toFixed(2)} | ${row.latency.p99.toFixed(2)} | ${vsOff ? pairedDelta(row, off, 'p50') : '-'} | ${vsOff ? pairedDelta(row, off, 'p99') : '-'} | ${microseconds(row.cpuPerRequestUs)} | ${vsOff ? ratio(row.cpuPerRequestUs, off.cpuPerRequestUs) : '-'} | ${microseconds(row.sharedCpuPerRequestUs)} | ${row.errors} |`,
      );
    }
  }
  const { requestLog, governance } = figures;
  lines.push(
    '',
    `- Request log: ${requestLog.rowsWritten.toLocaleString('en')} rows written for ${requestLog.sent.toLocaleString('en')} requests answered in the measured rounds; ${requestLog.dropped} dropped (\`gateway_request_log_rows_dropped_total\`).${requestLog.rowsWritten === requestLog.sent ? ' None lost.' : ' **Rows and requests differ.**'}`,
    `- Governance: ${governance.counted.toLocaleString('en')} requests counted against the virtual key's rate limit for ${governance.sent.toLocaleString('en')} governed requests answered.${governance.counted === governance.sent ? ' None lost.' : ' **Counted and answered differ.**'}`,
  );
  return lines.join('\n');
}
