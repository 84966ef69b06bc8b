/** How long and how hard each phase runs; BENCH_QUICK=1 gives a smoke run of about a minute. */
export interface BenchPlan {
  quick: boolean;
  warmupMs: number;
  /** Open-loop rates (requests per second) of the non-streaming table. */
  rates: number[];
  stepMs: number;
  /** Open-loop rates of the streaming table. */
  streamRates: number[];
  streamStepMs: number;
  /** Closed-loop workers of the saturation run. */
  saturationConcurrency: number;
  saturationMs: number;
  drainMs: number;
  /** Pause between runs so one run's leftovers (GC, closing sockets) do not land in the next. */
  settleMs: number;
  /** Connections of the generator's pool to each target. */
  connections: number;
}

/** Reads the plan from the environment. */
export function readPlan(env: NodeJS.ProcessEnv = process.env): BenchPlan {
  const quick = env.BENCH_QUICK === '1';
  return quick
    ? {
        quick,
        warmupMs: 1000,
        rates: [200, 500, 1000],
        stepMs: 2000,
        streamRates: [200],
        streamStepMs: 2000,
        saturationConcurrency: 128,
        saturationMs: 3000,
        drainMs: 5000,
        settleMs: 300,
        connections: 256,
      }
    : {
        quick,
        warmupMs: 4000,
        rates: [200, 500, 1000, 2000],
        stepMs: 8000,
        streamRates: [200, 500],
        streamStepMs: 6000,
        saturationConcurrency: 128,
        saturationMs: 8000,
        drainMs: 10_000,
        settleMs: 1000,
        connections: 256,
      };
}
