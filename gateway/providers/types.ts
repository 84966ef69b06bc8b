import type { CancelSignal } from '../core/cancellation.js';
import type { ProviderKey, ProviderSettings } from '../../shared/config/index.js';
import type { ProviderCapabilities } from './capabilities.js';
import type { ChatChunk, ChatRequest, ChatResponse } from './chat-types.js';

/**
 * Everything one upstream attempt needs: which provider, which key, where, and when to give
 * up. The dispatcher builds one per attempt (a retry may pick another key).
 */
export interface UpstreamTarget {
  provider: ProviderSettings;
  /** The key chosen for this attempt; undefined for a key-less provider. */
  key: ProviderKey | undefined;
  /** The model name as the provider knows it (the part after "provider/"). */
  model: string;
  /** The provider's origin: `network_config.base_url`, or its default. No trailing slash. */
  baseUrl: string;
  /** The operator's `network_config.extra_headers`: added to every upstream request. */
  extraHeaders: Readonly<Record<string, string>>;
  /** The client's `x-bf-eh-*` headers: added only where neither the node nor the operator set that name. */
  clientHeaders: Readonly<Record<string, string>>;
  /** Aborted when the client goes away, the node gives up, or the attempt times out. */
  signal: CancelSignal;
  /** `default_request_timeout_in_seconds`, in ms: for streams, the wait for headers and between chunks; otherwise the whole attempt. */
  timeoutMs: number;
  requestId: string;
}

/** A stream that has started: the upstream answered 2xx and chunks follow. */
export type ChunkStream = AsyncIterable<ChatChunk>;

/**
 * What a provider family implements. Methods throw GatewayError for failures (upstream
 * status, network, timeout), marked `retryable` where Bifrost retries. A streaming method
 * resolves only once the upstream has accepted the request, so that a failure before the
 * first byte can still be retried, fall back, or be answered as a plain JSON error.
 */
export interface ProviderAdapter {
  /** The wire protocol, e.g. "openai", "anthropic". */
  readonly protocol: string;
  /** Default origin when `network_config.base_url` is unset; undefined if it must be configured. */
  defaultBaseUrl(provider: ProviderSettings, key: ProviderKey | undefined): string | undefined;
  chat(request: ChatRequest, target: UpstreamTarget): Promise<ChatResponse>;
  chatStream(request: ChatRequest, target: UpstreamTarget): Promise<ChunkStream>;
  /** What it can do besides chat (text completions, embeddings, native protocols). */
  readonly capabilities: ProviderCapabilities;
}
