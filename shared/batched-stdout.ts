import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** `fs.writeSync(fd, buffer)`: the one system call the batcher makes (tests pass their own). */
export type WriteFd = (fd: number, buffer: Buffer) => number;

/** Options of a BatchedStdout. */
export interface BatchedStdoutOptions {
  /** Lines are written once this many characters are waiting. */
  batchChars: number;
  /** A line waits at most this long for its batch to fill. */
  flushAfterMs: number;
  /**
   * Above this many bytes the reader has not taken (a stalled reader), whole batches are dropped
   * and counted instead of growing the process's memory without bound.
   */
  maxBacklogBytes: number;
  /** The file descriptor (default 1, stdout). */
  fd?: number;
  /** The write call (default fs.writeSync). */
  writeFd?: WriteFd;
  /** Time for the line that reports dropped lines (default Date.now). */
  now?: () => number;
}

/** How long to wait before writing again to a pipe that was full. */
const FULL_PIPE_RETRY_MS = 10;
/** At exit, how long to keep trying a full pipe before giving up on what is left. */
const EXIT_WRITE_MAX_MS = 1000;

/**
 * pino's destination for a program's log: lines are kept in an array and written to stdout as
 * one write per batch (about 16 KB, or whatever arrived within `flushAfterMs` when traffic is
 * light), and nothing at all while the program is idle.
 *
 * Why not pino's own buffered destination (sonic-boom): it measures the UTF-8 length of its
 * whole buffer on every line (a concatenated string, flattened each time: about 2 µs a line at
 * a 4 KB batch, more at larger ones); it writes through libuv's thread pool, a worker woken and
 * a completion callback per write; and its periodic flush makes a zero-byte write every interval
 * even when it holds nothing (bench/profile-notes.md).
 *
 * Writes are synchronous calls on a non-blocking pipe (Node makes stdout's pipe non-blocking
 * when process.stdout is first touched, which the constructor does): a pipe with room takes the
 * batch at once; a full one (EAGAIN) leaves the rest in a backlog, written again after
 * FULL_PIPE_RETRY_MS, so a slow reader never blocks the event loop. A file is written
 * synchronously. `writeAtExit` (which createLogger calls on 'exit', crash included) writes what
 * is waiting, keeping on at a full pipe for up to a second: only a SIGKILL loses the last
 * `flushAfterMs` of lines.
 */
export class BatchedStdout implements DestinationStream {
  private pending: string[] = [];
  private pendingChars = 0;
  /** Bytes written to no one yet: the pipe was full. */
  private backlog: Buffer | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushWaiters: Array<() => void> = [];
  private dropped = 0;
  /** Set when the fd failed for good (EPIPE: the reader is gone); lines are dropped from then on. */
  private broken = false;
  private readonly fd: number;
  private readonly writeFd: WriteFd;
  private readonly now: () => number;
  private readonly writeOnTimer = (): void => {
    this.batchTimer = undefined;
    this.writePending();
  };
  private readonly retryOnTimer = (): void => {
    this.retryTimer = undefined;
    this.writeBacklog();
  };

  constructor(private readonly options: BatchedStdoutOptions) {
    this.fd = options.fd ?? 1;
    this.writeFd = options.writeFd ?? writeSync;
    this.now = options.now ?? Date.now;
    // Opening process.stdout is what makes a pipe on fd 1 non-blocking (libuv).
    if (this.fd === 1 && options.writeFd === undefined) void process.stdout;
  }

  /** Takes one line from pino (already ending in a newline). */
  write(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= this.options.batchChars) this.writePending();
    else if (this.batchTimer === undefined) this.batchTimer = setTimeout(this.writeOnTimer, this.options.flushAfterMs).unref();
  }

  /** Writes every waiting line now (what a full pipe does not take stays in the backlog). */
  writePending(): void {
    if (this.batchTimer !== undefined) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (this.broken) return;
    if (this.backlog !== undefined && this.backlog.length > this.options.maxBacklogBytes) {
      this.dropped += lines.length;
      return;
    }
    const text = lines.length === 1 ? (lines[0] as string) : lines.join('');
    const bytes = Buffer.from(this.dropped === 0 ? text : this.droppedLine() + text);
    this.backlog = this.backlog === undefined ? bytes : Buffer.concat([this.backlog, bytes]);
    this.writeBacklog();
  }

  /** pino's `logger.flush(cb)`: writes what is waiting, calling back once the fd took all of it. */
  flush(callback?: (error?: Error | null) => void): void {
    this.writePending();
    if (callback === undefined) return;
    if (this.backlog === undefined) process.nextTick(callback);
    else this.flushWaiters.push(callback);
  }

  /** For the process's 'exit': writes everything, waiting out a full pipe for a bounded time. */
  writeAtExit(): void {
    this.writePending();
    const deadline = Date.now() + EXIT_WRITE_MAX_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (this.backlog !== undefined && Date.now() < deadline) {
      Atomics.wait(pause, 0, 0, FULL_PIPE_RETRY_MS);
      this.writeBacklog();
    }
  }

  /** Writes the backlog until it is empty or the pipe is full. */
  private writeBacklog(): void {
    while (this.backlog !== undefined) {
      let written: number;
      try {
        written = this.writeFd(this.fd, this.backlog);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') written = 0;
        else {
          // The reader is gone (EPIPE) or the fd is unusable: the log is lost, the program's
          // work need not be.
          this.broken = true;
          this.backlog = undefined;
          break;
        }
      }
      if (written === 0) {
        this.retryTimer ??= setTimeout(this.retryOnTimer, FULL_PIPE_RETRY_MS).unref();
        return;
      }
      this.backlog = written >= this.backlog.length ? undefined : this.backlog.subarray(written);
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** One line saying how many were dropped while the reader lagged; the count restarts. */
  private droppedLine(): string {
    const line = `{"level":"warn","time":"${new Date(this.now()).toISOString()}","event":"log-lines-dropped","count":${this.dropped},"msg":"log lines dropped: the log's reader fell behind"}\n`;
    this.dropped = 0;
    return line;
  }
}
