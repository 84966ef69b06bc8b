/**
 * The config contract both programs import: the one schema and loader, so that the reloader
 * judges an edit exactly as a node would load it.
 */
export { validateConfigText, formatIssues, type ConfigIssue, type ConfigValidation } from './validate.js';
export { loadConfigFile, loadConfigBytes, ConfigLoadError, type LoadReport } from './load.js';
export { fingerprintOf, shortFingerprint } from './fingerprint.js';
export type { RuntimeConfig, ProviderSettings, ProviderKey, LogsStoreSettings, PostgresSettings, AdminCredentials } from './runtime-config.js';
export type {
  GovernanceSettings,
  VirtualKeySettings,
  ProviderConfigSettings,
  RateLimitSettings,
  BudgetSettings,
  TeamSettings,
  ScopeLimits,
  LimitWindow,
} from './governance-settings.js';
export { parseResetDuration, type ResetDuration } from './reset-duration.js';
export type { ValidatedConfig, ProviderEntry, KeyEntry, ClientSettings } from './schema/index.js';
export { KNOWN_PROVIDER_NAMES, isKnownProviderName } from './known-providers.js';
