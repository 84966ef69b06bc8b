import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ProviderKey, ProviderSettings } from '../../../../shared/config/index.js';
import type { UpstreamResponse } from '../../../../gateway/providers/shared/upstream-http.js';
import type { UpstreamTarget } from '../../../../gateway/providers/types.js';
import { Cancellation } from '../../../../gateway/core/cancellation.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A JSON fixture in Gemini's wire format. */
export function loadJsonFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

/** An SSE transcript fixture as an upstream response body, delivered in small pieces. */
export function sseFixtureResponse(name: string): UpstreamResponse {
  const text = readFileSync(new URL(name, FIXTURES), 'utf8');
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < text.length; offset += 37) pieces.push(Buffer.from(text.slice(offset, offset + 37)));
  return { status: 200, headers: {}, body: Readable.from(pieces) as unknown as UpstreamResponse['body'] };
}

/** Provider settings for tests. */
export function providerSettings(name: string, protocol: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name,
    protocol,
    custom: false,
    extraHeaders: {},
    timeoutMs: 10_000,
    maxRetries: 0,
    backoffInitialMs: 1,
    backoffMaxMs: 1,
    concurrency: 10,
    bufferSize: 10,
    keyless: false,
    keys: [],
    ...overrides,
  };
}

/** An upstream target for adapter calls without the dispatcher. */
export function upstreamTarget(baseUrl: string, key: Partial<ProviderKey>, protocol = 'gemini', model = 'gemini-2.0-flash'): UpstreamTarget {
  const fullKey: ProviderKey = { name: 'test-key', value: '', models: ['*'], weight: 1, usable: true, missingVariables: [], ...key };
  return {
    provider: providerSettings(protocol, protocol, { keys: [fullKey] }),
    key: fullKey,
    model,
    baseUrl,
    extraHeaders: {},
    clientHeaders: {},
    signal: new Cancellation(),
    timeoutMs: 10_000,
    requestId: 'req-test-1',
  };
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
