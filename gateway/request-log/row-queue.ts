import { rowSize, type RequestLogRow } from './log-row.js';

/** Bounds of a RowQueue. */
export interface RowQueueLimits {
  /** Most rows held (Bifrost: 10,000). */
  maxRows: number;
  /** Most approximate bytes held (content can make rows large). */
  maxBytes: number;
}

/**
 * The rows waiting to be written: a FIFO bounded in rows and bytes. When full, the OLDEST rows
 * are dropped (and counted): while the database is down, the newest requests are the ones an
 * operator will look for first when it comes back.
 */
export class RowQueue {
  /** Rows from `head` on; the slots before it are emptied as rows leave (see release). */
  private items: (RequestLogRow | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  /** Rows dropped since the queue was made. */
  dropped = 0;

  constructor(private readonly limits: RowQueueLimits) {}

  /** Rows waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds a row, dropping the oldest as needed; returns how many were dropped. */
  push(row: RequestLogRow): number {
    this.items.push(row);
    const size = rowSize(row);
    this.sizes.push(size);
    this.bytes += size;
    return this.trim();
  }

  /** Takes up to `count` of the oldest rows off the queue. */
  take(count: number): RequestLogRow[] {
    const end = Math.min(this.items.length, this.head + count);
    const rows = this.items.slice(this.head, end) as RequestLogRow[];
    for (let i = this.head; i < end; i++) this.bytes -= this.sizes[i] as number;
    this.release(end);
    this.compact();
    return rows;
  }

  /**
   * Puts rows whose write failed back at the front, in order, so they are retried first;
   * if the queue overflows meanwhile, they are the oldest and go first. Returns rows dropped.
   */
  putBack(rows: readonly RequestLogRow[]): number {
    if (rows.length === 0) return 0;
    const rest = this.items.slice(this.head) as RequestLogRow[];
    const restSizes = this.sizes.slice(this.head);
    const sizes = rows.map(rowSize);
    this.items = [...rows, ...rest];
    this.sizes = [...sizes, ...restSizes];
    this.head = 0;
    for (const size of sizes) this.bytes += size;
    return this.trim();
  }

  private trim(): number {
    let dropped = 0;
    while (this.length > 0 && (this.length > this.limits.maxRows || this.bytes > this.limits.maxBytes)) {
      this.bytes -= this.sizes[this.head] as number;
      this.release(this.head + 1);
      dropped++;
    }
    this.dropped += dropped;
    this.compact();
    return dropped;
  }

  /**
   * Moves the head to `end`, emptying the slots it passes. A slot left pointing at its row kept
   * the row alive until the next compaction, a thousand rows later: seconds under load, so rows
   * already written outlived V8's young generation and were moved to its old one, whose growth
   * then cost full collections (bench/profile-notes.md).
   */
  private release(end: number): void {
    this.items.fill(undefined, this.head, end);
    this.head = end;
  }

  /** Drops the consumed prefix once it is large, so push and take stay O(1) amortised. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
