import type { GovernanceSettings } from './governance-settings.js';
import type { AdminCredentials } from './admin-auth.js';
import type { LogsStoreSettings } from './resolve-logs-store.js';
import type { ClientSettings, KeyEntry } from './schema/index.js';

export type { AdminCredentials } from './admin-auth.js';
export type { LogsStoreSettings, PostgresSettings } from './resolve-logs-store.js';

/**
 * The configuration a node runs on: validated, defaults applied, `env.` secrets resolved,
 * durations in milliseconds. Built once at startup and frozen.
 */
export interface RuntimeConfig {
  /** Fingerprint of the config file's bytes (see fingerprint.ts). */
  fingerprint: string;
  providers: ReadonlyMap<string, ProviderSettings>;
  client: Readonly<ClientSettings>;
  governance: GovernanceSettings;
  /** The request log (`logs_store`), when enabled; governance counts in its PostgreSQL too. */
  logsStore?: LogsStoreSettings;
  /** `governance.auth_config` admin credentials, when both are set. */
  adminAuth?: AdminCredentials;
}

/** One configured provider, ready for the dispatcher. */
export interface ProviderSettings {
  /** The name requests use: the key under `providers` (a custom provider's own name). */
  name: string;
  /** Which wire protocol to speak: the name itself, or a custom provider's `base_provider_type`. */
  protocol: string;
  /** True for a provider declared with `custom_provider_config`. */
  custom: boolean;
  /** `network_config.base_url` when set; otherwise the provider's default applies. */
  baseUrlOverride?: string;
  extraHeaders: Readonly<Record<string, string>>;
  timeoutMs: number;
  maxRetries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  concurrency: number;
  bufferSize: number;
  /** Provider needs no API key (custom `is_key_less`, or ollama/vllm with no keys). */
  keyless: boolean;
  keys: readonly ProviderKey[];
}

/** One API key of a provider, with its secret resolved. */
export interface ProviderKey {
  /** The key's name from config, or `key-<n>`: safe to log. */
  name: string;
  /** The secret itself. Never log, never echo. */
  value: string;
  models: readonly string[];
  weight: number;
  /** False when a secret it needs came from an unset environment variable. */
  usable: boolean;
  /** Environment variables this key needed and did not find (names only). */
  missingVariables: readonly string[];
  azure?: NonNullable<KeyEntry['azure_key_config']>;
  bedrock?: NonNullable<KeyEntry['bedrock_key_config']>;
  vertex?: NonNullable<KeyEntry['vertex_key_config']>;
  /** ollama_key_config / vllm_key_config: a per-key server URL and model name. */
  server?: NonNullable<KeyEntry['ollama_key_config']>;
}
