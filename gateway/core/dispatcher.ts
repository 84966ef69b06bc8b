import type { ProviderKey, ProviderSettings, RuntimeConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { ModelLabels } from '../observability/model-labels.js';
import { ModelSeriesTable } from '../observability/model-series.js';
import { adapterFor } from '../providers/registry.js';
import type { ProviderAdapter, UpstreamTarget } from '../providers/types.js';
import { backoffDelay } from '../../shared/backoff.js';
import { sleepWithSignal } from './sleep-with-signal.js';
import type { CancelSignal } from './cancellation.js';
import { ConcurrencyLimiter, type ReleaseSlot } from './concurrency-limiter.js';
import { GatewayError } from './errors.js';
import { EligibleKeys, pickWeightedKey } from './key-selection.js';
import { parseModelRef, type ModelRef } from './model-ref.js';

/** What a route knows about the request it dispatches. */
export interface RequestContext {
  requestId: string;
  /** Aborted when the client goes away or the node's drain deadline passes. */
  signal: CancelSignal;
  /** `x-bf-eh-<name>` request headers, as `<name>` -> value, to add upstream. */
  forwardHeaders: Record<string, string>;
}

/** Which kind of request: decides the adapter method a provider must have. */
export type Capability = 'chat' | 'text' | 'embeddings';

/** How to route one request. */
export interface RouteSpec {
  /** "provider/model". */
  model: string;
  /** "provider/model" strings tried in order after the primary failed. */
  fallbacks?: string[];
  capability: Capability;
  /**
   * True for a stream: the provider's concurrency slot stays held after `attempt` resolves,
   * until the caller calls `result.release()` (once the stream is consumed or abandoned).
   */
  stream?: boolean;
  /**
   * Per provider, the names of the keys this request may use (a virtual key's `key_ids`);
   * a provider not listed may use any of its keys.
   */
  allowedKeys?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The outcome of a dispatched request. */
export interface DispatchResult<T> {
  value: T;
  /** The provider that answered (a fallback's, if the primary failed). */
  provider: string;
  /** The model name as that provider knows it. */
  model: string;
  /** Upstream attempts on the provider that answered (1 = no retry). */
  attempts: number;
  /** 0 for the primary, n for the n-th fallback. */
  fallbackIndex: number;
  /** The configured name of the key the answering attempt used (never its value); undefined if key-less. */
  keyName: string | undefined;
  /** Gives back the concurrency slot (streams); a no-op otherwise. Safe to call twice. */
  release(): void;
}

/** What the dispatcher needs besides the config. */
export interface DispatcherDeps {
  metrics: GatewayMetrics;
  /** The metric series by provider and model, shared with the outcome sink (default: bounded by the config). */
  modelSeries?: ModelSeriesTable;
  logger: Logger;
  /** Random source in [0, 1) for key choice and jitter (tests pass a seeded one). */
  random?: () => number;
  /** Waits between retries (tests pass an instant one). */
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
}

interface ProviderRuntime {
  settings: ProviderSettings;
  adapter: ProviderAdapter | undefined;
  limiter: ConcurrencyLimiter;
  keys: EligibleKeys;
}

interface Candidate {
  runtime: ProviderRuntime;
  adapter: ProviderAdapter;
  ref: ModelRef;
}

const NO_RELEASE = (): void => undefined;

/**
 * Routes requests to providers: resolves "provider/model", picks a key weighted-randomly,
 * holds a slot of the provider's concurrency limiter, retries with exponential backoff and
 * jitter, then tries each fallback in order; if all fail, throws the primary's error.
 */
export class Dispatcher {
  private readonly providers = new Map<string, ProviderRuntime>();
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: CancelSignal) => Promise<void>;

  private readonly series: ModelSeriesTable;

  constructor(
    readonly config: RuntimeConfig,
    private readonly deps: DispatcherDeps,
  ) {
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? sleepWithSignal;
    this.series = deps.modelSeries ?? new ModelSeriesTable(deps.metrics, new ModelLabels(config.providers));
    for (const [name, settings] of config.providers) {
      this.providers.set(name, {
        settings,
        adapter: adapterFor(settings),
        keys: new EligibleKeys(settings),
        limiter: new ConcurrencyLimiter({
          provider: name,
          concurrency: settings.concurrency,
          bufferSize: settings.bufferSize,
          dropExcess: config.client.drop_excess_requests,
        }),
      });
    }
  }

  /** The limiter of a provider (metrics, tests). */
  limiterOf(provider: string): ConcurrencyLimiter | undefined {
    return this.providers.get(provider)?.limiter;
  }

  /** Dispatches one request; see the class comment. */
  async run<T>(route: RouteSpec, ctx: RequestContext, attempt: (adapter: ProviderAdapter, target: UpstreamTarget) => Promise<T>): Promise<DispatchResult<T>> {
    // Every reference is checked before any upstream work: a typo in a fallback is a 400 now,
    // not a surprise after the primary failed. A model already among the candidates (a repeat, or
    // the primary itself, however it was named: a bare name a pre-dispatch check routed to
    // "openai/gpt-4o" is that fallback too) is not tried again: trying the same model again is a
    // retry, which the provider's own retry settings govern.
    const primary = this.resolve(parseModelRef(route.model));
    const candidates = [primary];
    const tried = new Set([refKey(primary.ref)]);
    const fallbacks = route.fallbacks ?? [];
    for (let index = 0; index < fallbacks.length; index++) {
      const candidate = this.resolve(parseModelRef(fallbacks[index] as string, `fallbacks[${index}]`));
      const key = refKey(candidate.ref);
      if (tried.has(key)) continue;
      tried.add(key);
      candidates.push(candidate);
    }

    let primaryError: unknown;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index] as Candidate;
      if (index > 0) this.series.of(candidate.ref.provider, candidate.ref.model).fallbacks.inc();
      try {
        return await this.runCandidate(candidate, index, route, ctx, attempt);
      } catch (error) {
        if (index === 0) primaryError = error;
        if (ctx.signal.aborted) throw index === 0 ? error : primaryError;
        if (index + 1 < candidates.length) {
          this.deps.logger.debug({ id: ctx.requestId, provider: candidate.ref.provider, code: codeOf(error) }, 'trying next fallback');
        }
      }
    }
    throw primaryError;
  }

  private resolve(ref: ModelRef): Candidate {
    const runtime = this.providers.get(ref.provider);
    if (!runtime) {
      throw new GatewayError('unknown_provider', `provider "${ref.provider}" is not configured on this node`, {
        provider: ref.provider,
        model: ref.model,
        param: 'model',
      });
    }
    if (!runtime.adapter) {
      throw new GatewayError('unsupported_operation', `provider "${ref.provider}" (protocol "${runtime.settings.protocol}") is not supported by this node`, {
        provider: ref.provider,
        model: ref.model,
      });
    }
    return { runtime, adapter: runtime.adapter, ref };
  }

  private async runCandidate<T>(
    candidate: Candidate,
    fallbackIndex: number,
    route: RouteSpec,
    ctx: RequestContext,
    attempt: (adapter: ProviderAdapter, target: UpstreamTarget) => Promise<T>,
  ): Promise<DispatchResult<T>> {
    const { runtime, adapter, ref } = candidate;
    const settings = runtime.settings;
    checkCapability(adapter, route.capability, ref);
    const keys = restrictKeys(runtime.keys.of(ref.model), route.allowedKeys?.get(ref.provider), ref);
    const release = runtime.limiter.tryAcquire(ctx.signal) ?? (await this.waitForSlot(runtime.limiter, ctx.signal, ref));
    let attempts = 0;
    try {
      for (;;) {
        attempts++;
        const key = keys.length === 0 ? undefined : pickWeightedKey(keys, this.random);
        const baseUrl = settings.baseUrlOverride ?? adapter.defaultBaseUrl(settings, key);
        if (!baseUrl) {
          throw new GatewayError('invalid_request', `provider "${ref.provider}" needs network_config.base_url`, { provider: ref.provider, model: ref.model });
        }
        const target: UpstreamTarget = {
          provider: settings,
          key,
          model: ref.model,
          baseUrl,
          extraHeaders: settings.extraHeaders,
          clientHeaders: ctx.forwardHeaders,
          signal: ctx.signal,
          timeoutMs: settings.timeoutMs,
          requestId: ctx.requestId,
        };
        const started = performance.now();
        try {
          const value = await attempt(adapter, target);
          this.observeUpstream(ref, '200', started);
          if (!route.stream) release();
          return { value, provider: ref.provider, model: ref.model, attempts, fallbackIndex, keyName: key?.name, release: route.stream ? release : NO_RELEASE };
        } catch (error) {
          // An adapter throwing something other than a GatewayError is a bug: keep its stack.
          if (!(error instanceof GatewayError))
            this.deps.logger.error({ id: ctx.requestId, provider: ref.provider, err: error }, 'provider failed unexpectedly');
          const failure = asGatewayError(error, ref);
          // Only what reached (or tried to reach) the provider is an upstream attempt: a request
          // the adapter refused to translate (a 400 of the node's own), or a crash in our code,
          // sent nothing.
          const local = !(error instanceof GatewayError) || (!failure.fromProvider && failure.status < 500 && failure.code !== 'client_closed');
          if (!local) this.observeUpstream(ref, String(failure.status), started);
          if (ctx.signal.aborted || !failure.retryable || attempts > settings.maxRetries) throw failure;
          // A provider that says when to come back is believed: sooner would fail again. Past
          // the longest wait the config allows, the client gets the answer (and Retry-After) now.
          const askedMs = failure.retryAfterMs;
          if (askedMs !== undefined && askedMs > settings.backoffMaxMs) throw failure;
          this.series.of(ref.provider, ref.model).retries.inc();
          const waitMs = Math.max(askedMs ?? 0, backoffDelay(attempts, settings.backoffInitialMs, settings.backoffMaxMs, this.random));
          this.deps.logger.debug({ id: ctx.requestId, provider: ref.provider, attempt: attempts, wait_ms: Math.round(waitMs), code: failure.code }, 'retrying');
          await this.sleep(waitMs, ctx.signal);
        }
      }
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Waits for a slot of a busy provider, counting a refusal (queue full) in the metrics. */
  private async waitForSlot(limiter: ConcurrencyLimiter, signal: CancelSignal, ref: ModelRef): Promise<ReleaseSlot> {
    try {
      return await limiter.acquire(signal);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'queue_full') this.deps.metrics.queueRejections.inc({ provider: ref.provider });
      throw error;
    }
  }

  private observeUpstream(ref: ModelRef, status: string, started: number): void {
    // The provider knew the model (it answered, was busy or failed; not 400/404): name it in labels.
    if (status === '200' || status === '429' || Number(status) >= 500) this.series.learn(ref.provider, ref.model);
    const upstream = this.series.of(ref.provider, ref.model).upstream(status);
    upstream.requests.inc();
    upstream.latency.observe((performance.now() - started) / 1000);
  }
}

/** Keeps the keys a virtual key's `key_ids` allow; none left is a 403 (the key cannot use this provider's keys). */
function restrictKeys(keys: ProviderKey[], allowed: ReadonlySet<string> | undefined, ref: ModelRef): ProviderKey[] {
  if (!allowed || keys.length === 0) return keys;
  const kept = keys.filter((key) => allowed.has(key.name));
  if (kept.length === 0)
    throw new GatewayError('provider_blocked', `the virtual key may use none of provider "${ref.provider}"'s keys that serve model "${ref.model}"`, {
      provider: ref.provider,
      model: ref.model,
    });
  return kept;
}

function checkCapability(adapter: ProviderAdapter, capability: Capability, ref: ModelRef): void {
  const missing = (capability === 'text' && !adapter.capabilities.text) || (capability === 'embeddings' && !adapter.capabilities.embeddings);
  if (missing) {
    const what = capability === 'text' ? 'text completions (/v1/completions)' : 'embeddings (/v1/embeddings)';
    throw new GatewayError('unsupported_operation', `provider "${ref.provider}" does not serve ${what}`, { provider: ref.provider, model: ref.model });
  }
}

/** Wraps anything an adapter threw so that the dispatcher can judge it. */
function asGatewayError(error: unknown, ref: ModelRef): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal', `provider "${ref.provider}" failed unexpectedly`, { provider: ref.provider, model: ref.model, cause: error });
}

function codeOf(error: unknown): string {
  return error instanceof GatewayError ? error.code : 'internal';
}

/** One model as the dispatcher tells candidates apart: its provider and name. */
function refKey(ref: ModelRef): string {
  return `${ref.provider}/${ref.model}`;
}
