import type { Percentiles } from '../load/histogram.js';
import type { RateRow, SaturationRow } from '../report/results.js';
import type { NodeStepTiming, RolloutTiming } from './measure-rollout.js';
import { PHASE_COLUMNS } from './step-phases.js';

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
  errors === 0
    ? '0'
    : `${errors} (${Object.entries(kinds)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')})`;
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
    lines.push(
      `| ${row.target} | ${row.concurrency} | ${row.throughput.toFixed(0)} | ${f(row.latency.p50)} | ${f(row.latency.p99)} | ${errs(row.errors, row.errorKinds)} |`,
    );
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
  lines.push('', ...renderStepPhases(figures.rollouts));
  return lines.join('\n');
}

/** Where each node's restart time went, for every measured edit, with the mean of each phase. */
function renderStepPhases(rollouts: RolloutTiming[]): string[] {
  const steps = rollouts.flatMap((rollout, index) => rollout.steps.map((step) => ({ edit: index + 1, step })));
  if (steps.length === 0) return [];
  const cells = (step: NodeStepTiming): Array<number | undefined> => [...PHASE_COLUMNS.map(([key]) => step.phases[key]), step.gapAfterS];
  const mean = (values: Array<number | undefined>): number | undefined => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0) / known.length;
  };
  const lines = [
    "Per node, in seconds, from the timestamps the reloader's /status recorded for each phase (boot to healthy includes the wait for Docker's next health check, run every second; the gap after a step is the settle time before the next node leaves the rotation):",
    '',
    `| Edit | Node | ${PHASE_COLUMNS.map(([, heading]) => heading).join(' | ')} | Gap after | Outcome |`,
    `|---|---|${PHASE_COLUMNS.map(() => '---|').join('')}---|---|`,
  ];
  for (const { edit, step } of steps) {
    lines.push(
      `| ${edit} | ${step.position} ${step.node} | ${cells(step)
        .map((v) => f(v))
        .join(' | ')} | ${step.outcome} |`,
    );
  }
  const columns = steps.map(({ step }) => cells(step));
  const means = columns[0]!.map((_, i) => mean(columns.map((row) => row[i])));
  lines.push(`| mean | | ${means.map((v) => `**${f(v)}**`).join(' | ')} | |`);
  return lines;
}
