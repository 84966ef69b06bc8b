import type { Percentiles } from '../load/histogram.js';
import type { StateCostFigures } from '../state/render-state-costs.js';
import type { MachineInfo } from './machine.js';

/** One target at one open-loop rate. */
export interface RateRow {
  target: string;
  rate: number;
  stream: boolean;
  /** Pooled over the rounds. */
  latency: Percentiles;
  /** Each round's p50 and p99, in round order (absent in results from before rounds). */
  p50ByRound?: number[];
  p99ByRound?: number[];
  /** CPU steal (%) of the whole box during each round (report/cpu-steal.ts). */
  stealPctByRound?: number[];
  /** Streams only. */
  firstChunk?: Percentiles;
  chunkLag?: Percentiles;
  throughput: number;
  /** CPU time the target process spent per request (user + system), µs; robust to a busy box. */
  cpuPerRequestUs: number;
  /** The same, each round on its own, in round order (absent in results from before the ninth run). */
  cpuPerRequestUsByRound?: number[];
  /** CPU the processes the targets share (PostgreSQL) spent per request meanwhile, µs; absent where none. */
  sharedCpuPerRequestUs?: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** p99 of how late the generator sent against its schedule (a sanity check of the generator). */
  sendLagP99: number;
}

/** One target's closed-loop maximum. */
export interface SaturationRow {
  target: string;
  concurrency: number;
  stream: boolean;
  /** Mean of the rounds' throughputs (each round runs as long). */
  throughput: number;
  /** Each round's throughput, in round order (absent in results of a single run). */
  throughputByRound?: number[];
  /** Pooled over the rounds: all the CPU over all the requests. */
  cpuPerRequestUs: number;
  cpuPerRequestUsByRound?: number[];
  /** Over every round's requests. */
  latency: Percentiles;
  errors: number;
  errorKinds: Record<string, number>;
}

/** Resident memory of a target process. */
export interface MemoryRow {
  target: string;
  /** Idle, IDLE_EARLY_S after start. */
  idleMb: number;
  /** Idle, IDLE_SETTLED_S after start, once V8 gave back what start-up grew (absent in older results). */
  settledIdleMb?: number;
  peakUnderLoadMb: number;
  /** Idle again, 5 s after the last load. */
  idleAfterLoadMb: number;
  /**
   * Seconds after the last load until the process was back within 20% of its idle RSS
   * (polled each second, at most SETTLE_WATCH_S); null when it was not, undefined when not watched.
   */
  settledAfterS?: number | null;
}

/** Cluster and rollout figures, or why they were not measured. */
export type ClusterOutcome =
  | { measured: false; reason: string }
  | {
      measured: true;
      markdown: string;
      /** Write to all nodes converged, seconds, for each timed config edit (NaN: never converged). */
      rolloutsConvergedS?: number[];
    };

/** A section of RESULTS.md measured by a phase of its own, or why it was not. */
export type SectionOutcome = { measured: true; markdown: string } | { measured: false; reason: string };

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  machine: MachineInfo;
  quick: boolean;
  planText: string;
  targets: string[];
  /** Targets that could not be started, with why. */
  missingTargets: Record<string, string>;
  rates: RateRow[];
  saturation: SaturationRow[];
  memory: MemoryRow[];
  /** A node's start, spawn to its first /health 200, per sample (absent in older results). */
  startupMs?: number[];
  cluster: ClusterOutcome;
  /** Shared state's cost (governance, request log), governance accuracy, log queries at scale (absent in older results). */
  sections?: { title: string; outcome: SectionOutcome }[];
  /** The state-cost phase's figures, for the headline (absent in older results). */
  stateCosts?: StateCostFigures;
  durationS: number;
  /** 1-minute load average when the run ended. */
  loadAverageEnd: number;
  /** CPU steal (%) of the box over the whole run. */
  stealPctRun?: number;
}
