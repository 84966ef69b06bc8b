/** Sends a batch of jobs as one statement; answers one result per job, in order. */
export type SendBatch<Job, Result> = (jobs: readonly Job[]) => Promise<readonly Result[]>;

/** Options of StatementBatcher. */
export interface StatementBatcherOptions {
  /** The most jobs in one statement (keeps a statement's size and lock time bounded). Default 64. */
  maxJobs?: number;
  /** The longest a job submitted with `mayWait` waits for a statement to ride with, ms. Default 10. */
  maxWaitMs?: number;
  /** Statements in flight at once. Default 1. */
  maxInFlight?: number;
}

interface Waiting<Job, Result> {
  job: Job;
  mayWait: boolean;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a store: at most one statement in flight, and every job submitted while it
 * runs goes in the next one. A job that must be answered now is sent at once (no timer: in the
 * same tick); under load, batches grow by themselves with the rate, so the round trips, socket
 * writes and row locks per job fall exactly when they would otherwise queue up. A job that
 * may wait (a correction nobody awaits) rides with the next statement instead of costing one of
 * its own, and is sent alone only when none comes within `maxWaitMs`.
 */
export class StatementBatcher<Job, Result> {
  private readonly queue: Waiting<Job, Result>[] = [];
  private readonly maxJobs: number;
  private readonly maxWaitMs: number;
  /** Jobs in the queue that must not wait. */
  private urgent = 0;
  /** The waiting jobs' time is up (or a flush asked): send even with nothing urgent. */
  private overdue = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly send: SendBatch<Job, Result>,
    options: StatementBatcherOptions = {},
  ) {
    this.maxJobs = options.maxJobs ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 10;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  /** Queues a job; resolves with its result, or rejects with its batch's error. */
  submit(job: Job, options: { mayWait?: boolean } = {}): Promise<Result> {
    const mayWait = options.mayWait === true;
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ job, mayWait, resolve, reject });
      if (!mayWait) {
        this.urgent += 1;
        this.schedule();
      } else if (!this.timer && !this.overdue) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.overdue = true;
          this.pump();
        }, this.maxWaitMs);
        // A correction waiting to be sent must not keep a stopping process alive: close() flushes.
        this.timer.unref();
      }
    });
  }

  /** Sends everything queued now; resolves once no statement is queued or in flight. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    this.overdue = true;
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.pump();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    // Jobs submitted in the same tick (requests parsed from one socket read) share a statement.
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && (this.urgent > 0 || this.overdue) && this.queue.length > 0) this.sendNext();
    if (this.queue.length === 0 && this.inFlight === 0) {
      this.overdue = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private sendNext(): void {
    const batch = this.queue.splice(0, this.maxJobs);
    for (const waiting of batch) if (!waiting.mayWait) this.urgent -= 1;
    if (!this.queue.some((waiting) => waiting.mayWait)) {
      // Every waiting job rides with this statement: its timer has nothing left to send.
      this.overdue = false;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight += 1;
    Promise.resolve()
      .then(() => this.send(batch.map((waiting) => waiting.job)))
      .then(
        (results) => {
          batch.forEach((waiting, i) => {
            if (i < results.length) waiting.resolve(results[i] as Result);
            else waiting.reject(new Error(`the store answered ${results.length} result(s) for a batch of ${batch.length}`));
          });
        },
        (error: unknown) => {
          for (const waiting of batch) waiting.reject(error);
        },
      )
      .finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
  }
}
