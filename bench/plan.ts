/** How long and how hard each phase runs; BENCH_QUICK=1 gives a smoke run of about a minute. */
export interface BenchPlan {
  quick: boolean;
  /** Warm-up (JIT, connections): JSON at this rate in windows until CPU per request settles. */
  warmupRate: number;
  warmupWindowMs: number;
  /** At most this many windows; settled = within 10% of the previous window's CPU per request. */
  warmupMaxWindows: number;
  streamWarmupMs: number;
  /** Open-loop rates (requests per second) of the non-streaming table. */
  rates: number[];
  stepMs: number;
  /** Open-loop rates of the streaming table. */
  streamRates: number[];
  streamStepMs: number;
  /** Each rate is measured this many times per target, interleaved, and the rounds pooled. */
  rounds: number;
  /**
   * Rounds of the shared-state phase, whose order is rotated (roundOrder): a multiple of its
   * four targets, so that each takes each place as often. Mirrored, with one target at each
   * end, that phase's figures leaned by order (bench/profile-notes.md).
   */
  stateRounds: number;
  /** Closed-loop workers of the saturation run. */
  saturationConcurrency: number;
  saturationMs: number;
  /** The saturation run is repeated this many times per target, interleaved like the rates. */
  saturationRounds: number;
  drainMs: number;
  /** Before each step, wait (up to this long) until every bench process is idle. */
  quietMaxMs: number;
  /** Connections of the generator's pool to each target. */
  connections: number;
}

/** Reads the plan from the environment. */
export function readPlan(env: NodeJS.ProcessEnv = process.env): BenchPlan {
  const quick = env.BENCH_QUICK === '1';
  return quick
    ? {
        quick,
        warmupRate: 300,
        warmupWindowMs: 1000,
        warmupMaxWindows: 1,
        streamWarmupMs: 1000,
        rates: [200, 500, 1000],
        stepMs: 2000,
        streamRates: [200],
        streamStepMs: 2000,
        rounds: 1,
        stateRounds: 4,
        saturationConcurrency: 128,
        saturationMs: 3000,
        // Two, so that a smoke run goes through the interleaving and the by-round columns.
        saturationRounds: 2,
        drainMs: 5000,
        quietMaxMs: 3000,
        connections: 256,
      }
    : {
        quick,
        warmupRate: 300,
        warmupWindowMs: 5000,
        warmupMaxWindows: 6,
        streamWarmupMs: 3000,
        rates: [200, 500, 1000, 2000],
        stepMs: 6000,
        streamRates: [200, 500],
        streamStepMs: 6000,
        // Five pairs give the headline's median of paired rounds some footing.
        rounds: 5,
        stateRounds: 8,
        saturationConcurrency: 128,
        saturationMs: 8000,
        // One 8 s run of one build swung from 3,400 to 4,400 req/s (bench/profile-notes.md).
        saturationRounds: 3,
        drainMs: 10_000,
        quietMaxMs: 20_000,
        connections: 256,
      };
}
