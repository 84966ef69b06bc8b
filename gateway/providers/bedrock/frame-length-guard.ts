/**
 * Passes an AWS event-stream body through unchanged while reading each frame's declared total
 * length (the prelude's first four bytes, big-endian), and calls `tooLarge` for a frame that
 * declares more than `maxFrameBytes`, before any of it is buffered. Smithy's framing allocates
 * the declared length up front, so a provider that lies ("4 GB follow") would otherwise cost
 * that much memory with its first four bytes.
 */
export async function* guardFrameLengths(
  body: AsyncIterable<Uint8Array>,
  maxFrameBytes: number,
  tooLarge: (declared: number) => Error,
): AsyncGenerator<Uint8Array> {
  // Bytes of the current frame still to come after its length; 0 at a frame boundary.
  let restOfFrame = 0;
  const prelude = new Uint8Array(4);
  let preludeRead = 0;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.length) {
      if (restOfFrame > 0) {
        const skipped = Math.min(restOfFrame, chunk.length - offset);
        restOfFrame -= skipped;
        offset += skipped;
        continue;
      }
      prelude[preludeRead++] = chunk[offset++] as number;
      if (preludeRead < 4) continue;
      preludeRead = 0;
      const declared = new DataView(prelude.buffer).getUint32(0, false);
      if (declared > maxFrameBytes) {
        // The frames before this one are whole: let them through first.
        const frameStart = Math.max(offset - 4, 0);
        if (frameStart > 0) yield chunk.subarray(0, frameStart);
        throw tooLarge(declared);
      }
      // A declared length under the prelude's own is malformed: the codec's checksum says so.
      restOfFrame = Math.max(declared - 4, 0);
    }
    yield chunk;
  }
}
