/** A node step as the reloader's /status records it (reloader/rollout/history.ts). */
export interface RecordedStep {
  started_at: string;
  finished_at?: string;
  /** `phase` is a stable code (StepPhase in reloader/rollout/history.ts); `message` is for people. */
  events: Array<{ at: string; phase: string; message: string }>;
}

/** Seconds each phase of one node's restart took; undefined where a note is missing. */
export interface StepPhases {
  /** Step start to nginx's rotation showing the node out. */
  outOfRotationS: number | undefined;
  /** Until the node's in-flight count reached 0. */
  drainS: number | undefined;
  /** `docker stop`: SIGTERM to exit. */
  stopS: number | undefined;
  /** `docker start`. */
  startS: number | undefined;
  /** Started to Docker "healthy" and /health on the new config (boot + health-check tick). */
  bootToHealthyS: number | undefined;
  /** Healthy to nginx's rotation showing the node in again. */
  backInRotationS: number | undefined;
  totalS: number | undefined;
}

/** The phases in table order, with their column headings. */
export const PHASE_COLUMNS: ReadonlyArray<[keyof StepPhases, string]> = [
  ['outOfRotationS', 'Out of rotation'],
  ['drainS', 'Drain'],
  ['stopS', 'Docker stop'],
  ['startS', 'Docker start'],
  ['bootToHealthyS', 'Boot to healthy'],
  ['backInRotationS', 'Back in rotation'],
  ['totalS', 'Step'],
];

/**
 * Splits a step's timeline into phases, from the `phase` code of the reloader's notes
 * (reloader/rollout/roll-node.ts), never their wording.
 */
export function stepPhases(step: RecordedStep): StepPhases {
  const at = (phase: string): number | undefined => {
    const event = step.events.find((e) => e.phase === phase);
    return event ? Date.parse(event.at) : undefined;
  };
  const between = (from: number | undefined, to: number | undefined): number | undefined =>
    from === undefined || to === undefined ? undefined : (to - from) / 1000;
  const begun = Date.parse(step.started_at);
  const out = at('out-of-rotation');
  const drained = at('drained');
  const healthy = at('healthy');
  const back = at('back-in-rotation');
  return {
    outOfRotationS: between(begun, out),
    drainS: between(out ?? begun, drained),
    stopS: between(at('restarting'), at('stopped')),
    startS: between(at('stopped'), at('started')),
    bootToHealthyS: between(at('started'), healthy),
    backInRotationS: between(healthy, back),
    totalS: between(begun, step.finished_at === undefined ? back : Date.parse(step.finished_at)),
  };
}
