import type { RequestLogRow } from './log-row.js';

/** What a fresh encoder allocates; a batch at 500 req/s (about 50 rows) fits. */
const INITIAL_BYTES = 128 * 1024;
/** Larger than this, a buffer grown for one batch is let go afterwards rather than kept. */
const KEPT_BYTES = 1024 * 1024;
/** UTF-8 takes at most 3 bytes for each UTF-16 unit of a string. */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Encodes a batch of rows as one JSON array, in UTF-8, into a buffer it reuses from batch to
 * batch. pg sends a Buffer parameter in binary format, which for `json` is the text itself.
 *
 * Why not one string: a batch's text is one large young-generation object (about 100 KB at
 * 500 req/s), and the logged node moved about 2 KB a request into its old generation, half of
 * it sampled at that text. Here each row's JSON is a small string that dies at once, and the
 * batch's bytes live outside V8's heap in a buffer that is reused rather than left for the
 * collector: 0.6-0.8 KB a request promoted, one full collection a step where there were two, and
 * about 90 µs a request less CPU at 500 req/s after an idle spell (bench/profile-notes.md).
 *
 * One batch at a time: the bytes `encode` returns are valid until they are given to `release`.
 * An encode while a batch is still out gets a buffer of its own, so an overlapping caller is
 * slower, never wrong.
 */
export class BatchEncoder {
  private buffer: Buffer | undefined;
  private lent = false;

  /** The rows as a JSON array in UTF-8; give the bytes to `release` once they are sent. */
  encode(rows: readonly RequestLogRow[]): Buffer {
    const own = this.lent ? undefined : this.buffer;
    let target = own ?? Buffer.allocUnsafe(INITIAL_BYTES);
    let length = 0;
    const reserve = (bytes: number): void => {
      if (length + bytes <= target.length) return;
      const grown = Buffer.allocUnsafe(Math.max(target.length * 2, length + bytes));
      target.copy(grown, 0, 0, length);
      target = grown;
    };
    reserve(1);
    target[length++] = 0x5b; // [
    for (let index = 0; index < rows.length; index++) {
      const json = JSON.stringify(rows[index]);
      reserve(json.length * MAX_UTF8_PER_UNIT + 1);
      if (index > 0) target[length++] = 0x2c; // ,
      length += target.write(json, length);
    }
    reserve(1);
    target[length++] = 0x5d; // ]
    if (this.lent) return target.subarray(0, length);
    this.buffer = target.length <= KEPT_BYTES ? target : undefined;
    this.lent = this.buffer !== undefined;
    return target.subarray(0, length);
  }

  /** Takes back bytes `encode` returned, once sent: the buffer they are in may be written again. */
  release(bytes: Buffer): void {
    if (bytes.buffer === this.buffer?.buffer) this.lent = false;
  }
}
