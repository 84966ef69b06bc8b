/**
 * Process entry of the mock upstream, run apart from the load generator and the targets so
 * each has its own event loop. Prints "READY <port>" once listening on 127.0.0.1.
 */
import { createMockUpstream } from './mock-openai.js';
import { serveAndAnnounce } from '../serve-ready.js';

const server = createMockUpstream({
  delayMs: Number(process.env.UPSTREAM_DELAY_MS ?? 20),
  chunks: Number(process.env.UPSTREAM_CHUNKS ?? 10),
  chunkGapMs: Number(process.env.UPSTREAM_CHUNK_GAP_MS ?? 2),
});
serveAndAnnounce(server);
