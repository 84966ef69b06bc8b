import { readFileSync } from 'node:fs';
import { resolveAdminCredentials } from './admin-auth.js';
import { resolveEnvDeep } from './env-secrets.js';
import { resolveGovernance } from './governance-settings.js';
import { resolveLogsStore } from './resolve-logs-store.js';
import type { ProviderKey, ProviderSettings, RuntimeConfig } from './runtime-config.js';
import type { KeyEntry, ProviderEntry, ValidatedConfig } from './schema/index.js';
import { baseUrlProblem } from './schema/providers.js';
import { formatIssues, validateConfigText, type ConfigIssue } from './validate.js';

/** Raised when the config file cannot be read or is invalid; carries every issue found. */
export class ConfigLoadError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(path: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(`invalid config ${path}:\n${formatIssues(issues)}`, options);
    this.name = 'ConfigLoadError';
    this.issues = issues;
  }
}

/** What loading produced besides the config: things a person should read at startup. */
export interface LoadReport {
  /** Settings present in the file that this node accepts but does not implement. */
  unsupported: string[];
  /** Environment variables referenced by `env.` and unset, with what they left unusable. */
  missingVariables: { variable: string; usedBy: string[] }[];
}

/** Reads, validates and resolves a config file. Throws ConfigLoadError on any problem. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): { config: RuntimeConfig; report: LoadReport } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new ConfigLoadError(path, [{ path: '(file)', message: `cannot read ${path}: ${reason}` }], { cause });
  }
  return loadConfigBytes(bytes, env, path);
}

/** Validates and resolves config bytes already in memory. Throws ConfigLoadError on any problem. */
export function loadConfigBytes(
  bytes: Uint8Array | string,
  env: NodeJS.ProcessEnv = process.env,
  label = 'config.json',
): { config: RuntimeConfig; report: LoadReport } {
  const validation = validateConfigText(bytes);
  if (!validation.ok) throw new ConfigLoadError(label, validation.issues);
  const usedBy = new Map<string, string[]>();
  const providers = new Map<string, ProviderSettings>();
  const resolvedUrlIssues: ConfigIssue[] = [];
  for (const [name, entry] of Object.entries(validation.config.providers)) {
    providers.set(name, resolveProvider(name, entry, env, usedBy, resolvedUrlIssues));
  }
  if (resolvedUrlIssues.length > 0) throw new ConfigLoadError(label, resolvedUrlIssues);
  const validated = validation.config as ValidatedConfig;
  const governance = resolveGovernance(validated, env, (variable, user) => noteMissing(usedBy, [variable], user));
  const duplicates = findDuplicateKeyValues(governance.virtualKeys);
  if (duplicates.length > 0) throw new ConfigLoadError(label, duplicates);
  const storeMissing = new Set<string>();
  const logsStore = resolveLogsStore(validated.logs_store, env, storeMissing);
  if (logsStore.issues.length > 0) throw new ConfigLoadError(label, logsStore.issues);
  noteMissing(usedBy, storeMissing, 'logs_store.config');
  const authMissing = new Set<string>();
  const adminAuth = resolveAdminCredentials(validated, env, authMissing);
  noteMissing(usedBy, authMissing, 'governance.auth_config');
  const config: RuntimeConfig = deepFreeze({
    fingerprint: validation.fingerprint,
    providers,
    client: validated.client,
    governance,
    ...(logsStore.settings ? { logsStore: logsStore.settings } : {}),
    ...(adminAuth ? { adminAuth } : {}),
  });
  return {
    config,
    report: {
      unsupported: validation.unsupported,
      missingVariables: [...usedBy].map(([variable, users]) => ({ variable, usedBy: users })),
    },
  };
}

/**
 * Checks what only resolved values show: two keys whose `env.` references resolve to one
 * value (a request could not tell them apart), or a value without the `sk-bf-` prefix (the
 * Authorization and x-api-key headers are read as a virtual key only with that prefix).
 */
function findDuplicateKeyValues(keys: RuntimeConfig['governance']['virtualKeys']): ConfigIssue[] {
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  keys.forEach((key, index) => {
    if (!key.usable) return;
    if (!key.value.startsWith('sk-bf-'))
      issues.push({ path: `governance.virtual_keys[${index}].value`, message: 'the environment variable it names must hold a value starting with "sk-bf-"' });
    const first = seen.get(key.value);
    if (first === undefined) seen.set(key.value, index);
    else
      issues.push({
        path: `governance.virtual_keys[${index}].value`,
        message: `resolves to the same value as virtual_keys[${first}]; every virtual key needs its own value`,
      });
  });
  return issues;
}

function noteMissing(usedBy: Map<string, string[]>, variables: Iterable<string>, user: string): void {
  for (const variable of variables) {
    const users = usedBy.get(variable) ?? [];
    users.push(user);
    usedBy.set(variable, users);
  }
}

function resolveProvider(name: string, entry: ProviderEntry, env: NodeJS.ProcessEnv, usedBy: Map<string, string[]>, issues: ConfigIssue[]): ProviderSettings {
  const network = entry.network_config;
  const networkMissing = new Set<string>();
  const baseUrl = network.base_url ? resolveEnvDeep(network.base_url, env, networkMissing) : undefined;
  // The schema checked a literal base_url; one taken from the environment is checked here, by
  // the same rules, once its value is known.
  const problem = baseUrl && baseUrl !== network.base_url ? baseUrlProblem(baseUrl) : undefined;
  if (problem) issues.push({ path: `providers.${name}.network_config.base_url`, message: `${network.base_url} resolves to a value that ${problem}` });
  const extraHeaders = resolveEnvDeep(network.extra_headers as Record<string, string>, env, networkMissing);
  noteMissing(usedBy, networkMissing, `providers.${name}.network_config`);

  const keys = entry.keys.map((key, index) => resolveKey(name, key, index, env, usedBy));
  const custom = entry.custom_provider_config;
  const keyless = custom?.is_key_less === true || ((name === 'ollama' || name === 'vllm') && keys.length === 0);
  return {
    name,
    protocol: custom?.base_provider_type ?? name,
    custom: custom !== undefined,
    ...(baseUrl ? { baseUrlOverride: baseUrl.replace(/\/+$/, '') } : {}),
    extraHeaders,
    timeoutMs: network.default_request_timeout_in_seconds * 1000,
    maxRetries: network.max_retries,
    backoffInitialMs: network.retry_backoff_initial as number,
    backoffMaxMs: network.retry_backoff_max as number,
    concurrency: entry.concurrency_and_buffer_size.concurrency,
    bufferSize: entry.concurrency_and_buffer_size.buffer_size,
    keyless,
    keys,
  };
}

function resolveKey(provider: string, key: KeyEntry, index: number, env: NodeJS.ProcessEnv, usedBy: Map<string, string[]>): ProviderKey {
  const missing = new Set<string>();
  const value = resolveEnvDeep(key.value, env, missing);
  const azure = key.azure_key_config ? resolveEnvDeep(key.azure_key_config, env, missing) : undefined;
  const bedrock = key.bedrock_key_config ? resolveEnvDeep(key.bedrock_key_config, env, missing) : undefined;
  const vertex = key.vertex_key_config ? resolveEnvDeep(key.vertex_key_config, env, missing) : undefined;
  const serverConfig = key.ollama_key_config ?? key.vllm_key_config;
  const server = serverConfig ? resolveEnvDeep(serverConfig, env, missing) : undefined;
  const name = key.name || `key-${index + 1}`;
  noteMissing(usedBy, missing, `providers.${provider}.keys[${index}] (${name})`);
  return {
    name,
    value,
    models: key.models,
    weight: key.weight,
    usable: missing.size === 0,
    missingVariables: [...missing],
    ...(azure ? { azure } : {}),
    ...(bedrock ? { bedrock } : {}),
    ...(vertex ? { vertex } : {}),
    ...(server ? { server } : {}),
  };
}

function deepFreeze<T>(value: T): T {
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
    return Object.freeze(value);
  }
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
