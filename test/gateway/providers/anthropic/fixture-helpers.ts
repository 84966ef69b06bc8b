import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ProviderSettings } from '../../../../shared/config/index.js';
import { readSseEvents } from '../../../../gateway/providers/shared/sse.js';
import type { UpstreamResponse } from '../../../../gateway/providers/shared/upstream-http.js';
import type { UpstreamTarget } from '../../../../gateway/providers/types.js';
import { Cancellation } from '../../../../gateway/core/cancellation.js';

/** A target for translator tests: nothing is sent anywhere. */
export function buildFixtureTarget(protocol: string, model: string, secret = 'sk-test-secret-0123456789'): UpstreamTarget {
  const provider: ProviderSettings = {
    name: protocol,
    protocol,
    custom: false,
    extraHeaders: {},
    timeoutMs: 30_000,
    maxRetries: 0,
    backoffInitialMs: 500,
    backoffMaxMs: 5000,
    concurrency: 10,
    bufferSize: 10,
    keyless: false,
    keys: [],
  };
  return {
    provider,
    key: { name: 'k1', value: secret, models: ['*'], weight: 1, usable: true, missingVariables: [] },
    model,
    baseUrl: 'http://127.0.0.1:9',
    extraHeaders: {},
    clientHeaders: {},
    signal: new Cancellation(),
    timeoutMs: 30_000,
    requestId: 'req-test',
  };
}

/** Reads a file from the `fixtures/` folder next to the calling test (pass `import.meta.url`). */
export function readFixture(testUrl: string, name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, testUrl), 'utf8');
}

/** Replays a recorded SSE transcript through the node's real SSE reader, in small pieces. */
export function replaySse(transcript: string, target: UpstreamTarget): AsyncGenerator<{ event: string | undefined; data: string }> {
  const pieces: Buffer[] = [];
  const bytes = Buffer.from(transcript, 'utf8');
  // Odd-sized pieces split events and lines mid-way, as a network would.
  for (let offset = 0; offset < bytes.length; offset += 37) pieces.push(bytes.subarray(offset, offset + 37));
  const response = { status: 200, headers: {}, body: Readable.from(pieces) } as unknown as UpstreamResponse;
  return readSseEvents(response, target);
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
