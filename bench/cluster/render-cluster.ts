import type { Percentiles } from '../load/histogram.js';
import type { RateRow, SaturationRow } from '../report/results.js';
import type { RolloutTiming } from './measure-rollout.js';

/** What the cluster phase measured. */
export interface ClusterFigures {
  rates: RateRow[];
  saturation: SaturationRow[];
  nodeIdleRssMb: number[];
  nodesPeakRssMb: number;
  rollouts: RolloutTiming[];
  bringUpS: number;
  nodeRuntime: string;
}

const f = (value: number | null | undefined, digits = 2): string => (typeof value === 'number' && !Number.isNaN(value) ? value.toFixed(digits) : 'n/a');
const errs = (errors: number, kinds: Record<string, number>): string =>
  errors === 0 ? '0' : `${errors} (${Object.entries(kinds).map(([k, n]) => `${k}: ${n}`).join(', ')})`;
const pct = (p: Percentiles): string => `${f(p.p50)} | ${f(p.p90)} | ${f(p.p99)}`;

/** Renders the cluster and rollout section of RESULTS.md. */
export function renderCluster(figures: ClusterFigures): string {
  const lines = [
    `Measured on the project's docker-compose.yml (three nodes, nginx, reloader) plus the e2e override, built and started by the e2e harness (test/e2e/support) in ${figures.bringUpS.toFixed(0)} s. The nodes run ${figures.nodeRuntime}. Upstream: the e2e mock container (50 ms before answering, small body); "direct" is that container through its published loopback port, so "added" covers Docker's port proxy + nginx + one node.`,
    '',
    '| Rate (req/s) | Path | p50 | p90 | p99 | Added p50 | Added p99 | Achieved req/s | CPU per request, 3 nodes (µs) | Errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of figures.rates) {
    const direct = figures.rates.find((r) => r.rate === row.rate && r.target === 'upstream container');
    lines.push(
      `| ${row.rate} | ${row.target} | ${pct(row.latency)} | ${direct ? f(row.latency.p50 - direct.latency.p50) : 'n/a'} | ${direct ? f(row.latency.p99 - direct.latency.p99) : 'n/a'} | ${row.throughput.toFixed(0)} | ${f(row.cpuPerRequestUs, 0)} | ${errs(row.errors, row.errorKinds)} |`,
    );
  }
  lines.push('', '| Saturation (closed loop) | Workers | Throughput (req/s) | p50 | p99 | Errors |', '|---|---|---|---|---|---|');
  for (const row of figures.saturation) {
    lines.push(`| ${row.target} | ${row.concurrency} | ${row.throughput.toFixed(0)} | ${f(row.latency.p50)} | ${f(row.latency.p99)} | ${errs(row.errors, row.errorKinds)} |`);
  }
  lines.push(
    '',
    `Node RSS idle: ${figures.nodeIdleRssMb.map((mb) => f(mb, 1)).join(', ')} MB; the three nodes' summed RSS peaked at ${f(figures.nodesPeakRssMb, 1)} MB under load.`,
    '',
    '### Rollout after a config edit (three nodes, under load through nginx)',
    '',
    'The file is written in place; times are from the write. Detection = the reloader has read and validated the new file (includes its debounce). Converged = all three nodes report the new fingerprint, are back in rotation and the rollout is over (polled every 100 ms).',
    '',
    '| Edit | Detection (s) | Rollout start (s) | All converged (s) | Outcome | Target <= 15 s | Load during rollout | Errors |',
    '|---|---|---|---|---|---|---|---|',
  );
  figures.rollouts.forEach((r, index) => {
    const conv = r.convergedMs / 1000;
    lines.push(
      `| ${index + 1} | ${f(r.detectionMs === undefined ? undefined : r.detectionMs / 1000)} | ${f(r.rolloutStartMs === undefined ? undefined : r.rolloutStartMs / 1000)} | ${f(conv)} | ${r.outcome} | ${Number.isNaN(conv) ? 'not measured' : conv <= 15 ? 'met' : '**missed**'} | ${r.loadRate} req/s, ${r.loadOk + r.loadErrors} requests | ${errs(r.loadErrors, r.loadErrorKinds)} |`,
    );
  });
  const last = figures.rollouts[figures.rollouts.length - 1];
  if (last && last.steps.length > 0) {
    lines.push('', `Per node (edit ${figures.rollouts.length}), as the reloader's /status recorded each step:`, '', '| Node | Position | Step (s) | Outcome | Timeline from the step start |', '|---|---|---|---|---|');
    for (const step of last.steps) lines.push(`| ${step.node} | ${step.position} | ${f(step.durationS, 1)} | ${step.outcome} | ${step.events.join('; ')} |`);
  }
  return lines.join('\n');
}
