/**
 * Micro-benchmark of a governed request's own work in the node, without the network: the
 * pre-dispatch check and the outcome's settlement, for the bench's governed key (a request
 * and a token rate limit and a budget), every counter answered from a lease as on a busy
 * node. The store is the real ResilientStore over a LeaseBook filled once, so what is timed
 * is the governor, its seams and the lease book; the PostgreSQL statement a lease costs now
 * and then is not. Prints µs per request (check + settle) and the young-GC time.
 * `tsx bench/micro/governance-check.ts`
 */
import { Writable } from 'node:stream';
import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { loadConfigBytes } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logger.js';
import { GovernanceSeams } from '../../gateway/governance/governance-seams.js';
import { Governor } from '../../gateway/governance/governor.js';
import { GovernanceMetrics } from '../../gateway/governance/metrics.js';
import { loadPriceTable } from '../../gateway/governance/prices.js';
import type { AdmitOutcome, CounterAdjustment, CounterCharge, CounterReading, CounterStore } from '../../gateway/governance/store/counter-store.js';
import type { CounterCheck } from '../../gateway/governance/hierarchy.js';
import { LeaseBook } from '../../gateway/governance/store/lease-book.js';
import { ResilientStore } from '../../gateway/governance/store/resilient-store.js';

const N = 200_000;
const VK = 'sk-bf-bench-governed-key-0001';
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** PgCounterStore's in-memory half: admissions and settlements served by leases alone. */
class LeasedStore implements CounterStore {
  readonly leases = new LeaseBook({ idleMs: Number.POSITIVE_INFINITY });
  admitHeld(charges: readonly CounterCharge[]): AdmitOutcome | undefined {
    return this.leases.take(charges);
  }
  async admit(charges: readonly CounterCharge[]): Promise<AdmitOutcome> {
    const held = this.leases.take(charges);
    if (held) return held;
    // First request of each counter: grant a lease far larger than the run needs.
    const now = Date.now();
    const outcome: AdmitOutcome = { admitted: true, readings: charges.map(() => ({ windowStartMs: now, windowEndMs: now + YEAR_MS, used: 0 })), nowMs: now };
    this.leases.confirmed();
    this.leases.granted(
      charges,
      outcome,
      charges.map(() => 1e12),
    );
    return outcome;
  }
  async adjust(adjustments: readonly CounterAdjustment[]): Promise<void> {
    for (const a of adjustments) if (a.delta !== 0 && !this.leases.settle(a)) throw new Error('settlement outside the lease');
  }
  async read(checks: readonly CounterCheck[]): Promise<CounterReading[]> {
    return checks.map(() => ({ windowStartMs: 0, windowEndMs: 0, used: 0 }));
  }
  async close(): Promise<void> {}
}

const config = loadConfigBytes(
  JSON.stringify({
    providers: { openai: { keys: [{ name: 'oa-1', value: 'sk-bench-provider-key', models: ['*'], weight: 1 }] } },
    governance: {
      virtual_keys: [{ id: 'bench', value: VK, rate_limit_id: 'bench', budget_id: 'bench', allow_all_providers: true }],
      rate_limits: [
        { id: 'bench', request_max_limit: 1_000_000_000, request_reset_duration: '1Y', token_max_limit: 1_000_000_000_000, token_reset_duration: '1Y' },
      ],
      budgets: [{ id: 'bench', max_limit: 1_000_000, reset_duration: '1Y' }],
    },
  }),
  {},
).config;
const registry = new Registry();
const metrics = new GovernanceMetrics(registry);
const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const store = new ResilientStore(new LeasedStore(), { failMode: 'closed', logger, metrics });
const governor = new Governor(config.governance, { store, metrics, logger, prices: loadPriceTable() });
const seams = new GovernanceSeams(governor);

const headers = { host: '127.0.0.1', 'content-type': 'application/json', 'x-bf-vk': VK, 'content-length': '180' };
const body = {
  model: 'openai/gpt-4o-mini',
  stream: false,
  max_tokens: 256,
  messages: [
    { role: 'system', content: 'You are a benchmark.' },
    { role: 'user', content: 'Say something of about one kilobyte.' },
  ],
};

let minorGcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcMs += entry.duration;
});
observer.observe({ entryTypes: ['gc'] });

/** One governed request: check, then the outcome of an answered request with its usage. */
async function oneRequest(): Promise<void> {
  const request = { state: {} as { principal?: unknown }, headers, body, route: { model: body.model, capability: 'chat' } };
  await seams.check.check(request);
  seams.sink.record({
    principal: request.state.principal,
    provider: 'openai',
    model: 'gpt-4o-mini',
    inputTokens: 21,
    outputTokens: 240,
    succeeded: true,
    firstChunkMs: undefined,
  });
}

async function measure(label: string, count: number): Promise<void> {
  minorGcMs = 0;
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    await oneRequest();
    // A macrotask turn now and then, as between requests on a node, so settlements run.
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
  const elapsed = performance.now() - start;
  console.log(`  ${label.padEnd(10)} ${((elapsed * 1000) / count).toFixed(2)} µs a request, ${minorGcMs.toFixed(1)} ms in young GCs`);
}

console.log(`Node ${process.version}: ${N} governed requests (check + settle), every counter from a lease`);
await measure('warm-up', N / 4);
for (let round = 1; round <= 5; round += 1) await measure(`round ${round}`, N);
