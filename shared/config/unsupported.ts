/**
 * Bifrost has many settings a gateway node of this project does not implement (stores,
 * governance, plugins, ...). They are accepted so that a real Bifrost config.json loads, and
 * each present one is named once at startup so that nobody believes it is in force.
 */

const TOP_LEVEL_IMPLEMENTED = new Set(['$schema', 'version', 'providers', 'client', 'config_store', 'governance']);
const CLIENT_IMPLEMENTED = new Set([
  'drop_excess_requests',
  'max_request_body_size_mb',
  'allowed_origins',
  'enforce_auth_on_inference',
  'enforce_governance_header',
  'disable_content_logging',
  'enable_logging',
]);
const PROVIDER_IMPLEMENTED = new Set(['keys', 'network_config', 'concurrency_and_buffer_size', 'custom_provider_config']);
const NETWORK_IMPLEMENTED = new Set([
  'base_url',
  'extra_headers',
  'default_request_timeout_in_seconds',
  'max_retries',
  'retry_backoff_initial',
  'retry_backoff_max',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDisabledStore(value: unknown): boolean {
  return isObject(value) && value.enabled !== true;
}

/** Lists the dotted paths of settings present in `raw` that this node accepts but ignores. */
export function findUnsupportedSettings(raw: unknown): string[] {
  if (!isObject(raw)) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (TOP_LEVEL_IMPLEMENTED.has(key)) continue;
    // A store explicitly switched off is what file-only mode asks for: nothing to warn about.
    if ((key === 'logs_store' || key === 'vector_store') && isDisabledStore(value)) continue;
    if (key === 'plugins' && Array.isArray(value)) {
      // The governance plugin is implemented (its is_vk_mandatory); other plugins are not.
      value.forEach((plugin: unknown, index) => {
        if (!isObject(plugin) || plugin.name !== 'governance')
          found.push(`plugins[${index}]${isObject(plugin) && typeof plugin.name === 'string' ? ` (${plugin.name})` : ''}`);
      });
      continue;
    }
    // A postgres request log is implemented; a sqlite one is not (each node would have its own file).
    if (key === 'logs_store' && isObject(value) && value.type === 'postgres') continue;
    found.push(key);
  }
  if (isObject(raw.client)) {
    for (const key of Object.keys(raw.client)) {
      if (!CLIENT_IMPLEMENTED.has(key)) found.push(`client.${key}`);
    }
  }
  if (isObject(raw.providers)) {
    for (const [name, entry] of Object.entries(raw.providers)) {
      if (!isObject(entry)) continue;
      for (const key of Object.keys(entry)) {
        if (!PROVIDER_IMPLEMENTED.has(key)) found.push(`providers.${name}.${key}`);
      }
      if (isObject(entry.network_config)) {
        for (const key of Object.keys(entry.network_config)) {
          if (!NETWORK_IMPLEMENTED.has(key)) found.push(`providers.${name}.network_config.${key}`);
        }
      }
    }
  }
  return found;
}
