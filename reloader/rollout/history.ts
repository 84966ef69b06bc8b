/**
 * Where a node step is: a stable code that programs (the benchmark, the e2e tests) read,
 * while `message` says the same for people, with details.
 */
export type StepPhase =
  | 'only-node'
  | 'out-of-rotation'
  | 'draining'
  | 'drain-timeout'
  | 'drained'
  | 'restarting'
  | 'config-swapped'
  | 'stopped'
  | 'started'
  | 'healthy'
  | 'back-in-rotation'
  | 'failed';

/** One timestamped line of a node step. */
export interface StepEvent {
  at: string;
  phase: StepPhase;
  message: string;
}

/** One node's restart within a rollout. */
export interface StepRecord {
  node: string;
  id: string;
  position: string;
  target_fingerprint: string;
  started_at: string;
  finished_at?: string;
  duration_s?: number;
  outcome: 'running' | 'ok' | 'failed';
  error?: string;
  /** The container's last log lines, when it did not come back. */
  log_tail?: string[];
  events: StepEvent[];
}

/** Why a rollout started. */
export type RolloutTrigger = 'startup' | 'config-change' | 'reconcile' | 'manual' | 'resume' | 'docker-event';

/** One rollout, step by step, for the status API. */
export interface RolloutRecord {
  id: number;
  trigger: RolloutTrigger;
  target_fingerprint: string;
  /** Every target this rollout worked towards, oldest first (edits during a rollout add one). */
  targets: string[];
  started_at: string;
  finished_at?: string;
  duration_s?: number;
  outcome: 'running' | 'complete' | 'failed' | 'blocked' | 'paused';
  reason?: string;
  steps: StepRecord[];
}

/** Keeps the current rollout and the last few finished ones. */
export class RolloutHistory {
  private current: RolloutRecord | undefined;
  private readonly previous: RolloutRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly keep = 10,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Opens a new rollout record. */
  begin(trigger: RolloutTrigger, target: string): RolloutRecord {
    const record: RolloutRecord = {
      id: this.nextId++,
      trigger,
      target_fingerprint: target,
      targets: [target],
      started_at: this.now().toISOString(),
      outcome: 'running',
      steps: [],
    };
    this.current = record;
    return record;
  }

  /** Moves the current rollout's target to a newer config. */
  retarget(record: RolloutRecord, target: string): void {
    if (record.target_fingerprint === target) return;
    record.target_fingerprint = target;
    record.targets.push(target);
  }

  /** Opens a node step in a rollout. */
  beginStep(record: RolloutRecord, node: { name: string; id: string }, position: string, target: string): StepRecord {
    const step: StepRecord = {
      node: node.name,
      id: node.id.slice(0, 12),
      position,
      target_fingerprint: target,
      started_at: this.now().toISOString(),
      outcome: 'running',
      events: [],
    };
    record.steps.push(step);
    return step;
  }

  /** Adds a timestamped line to a step. */
  note(step: StepRecord, phase: StepPhase, message: string): void {
    step.events.push({ at: this.now().toISOString(), phase, message });
  }

  /** Closes a step. */
  endStep(step: StepRecord, outcome: 'ok' | 'failed', details: { error?: string; logTail?: string[] } = {}): void {
    step.outcome = outcome;
    step.finished_at = this.now().toISOString();
    step.duration_s = secondsBetween(step.started_at, step.finished_at);
    if (details.error !== undefined) step.error = details.error;
    if (details.logTail !== undefined) step.log_tail = details.logTail;
  }

  /** Closes a rollout and files it under previous. */
  end(record: RolloutRecord, outcome: RolloutRecord['outcome'], reason?: string): void {
    record.outcome = outcome;
    record.finished_at = this.now().toISOString();
    record.duration_s = secondsBetween(record.started_at, record.finished_at);
    if (reason !== undefined) record.reason = reason;
    if (this.current === record) this.current = undefined;
    this.previous.unshift(record);
    this.previous.splice(this.keep);
  }

  /** The rollout in progress, if any. */
  running(): RolloutRecord | undefined {
    return this.current;
  }

  /** For the status API: the current rollout and the finished ones, newest first. */
  snapshot(): { current: RolloutRecord | null; previous: RolloutRecord[] } {
    return { current: this.current ?? null, previous: [...this.previous] };
  }
}

function secondsBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10;
}
