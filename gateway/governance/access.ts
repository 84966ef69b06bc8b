import type { GovernanceSettings, ProviderConfigSettings, VirtualKeySettings } from '../../shared/config/index.js';
import { GatewayError } from '../core/errors.js';
import { listMatchesModel } from './model-match.js';

/**
 * What a virtual key allows: which providers, models and provider keys, and which provider
 * serves a model named without one. Pure functions of the config; the counters are elsewhere.
 */

/** The outcome of the access checks for one request. */
export interface AccessDecision {
  key: VirtualKeySettings;
  /** "provider/model" to dispatch (a provider chosen by weight when the client named none). */
  model: string;
  provider: string;
  /** The key's config for that provider, when it has one. */
  providerConfig?: ProviderConfigSettings;
  /** Names of the provider keys the dispatcher may use; undefined: any. */
  allowedKeyNames?: ReadonlySet<string>;
}

/** Finds the virtual key with `value`; throws 401 when none has it, 403 when it is off or expired. */
export function findUsableKey(index: ReadonlyMap<string, VirtualKeySettings>, value: string, nowMs: number): VirtualKeySettings {
  const key = index.get(value);
  if (!key) throw new GatewayError('virtual_key_not_found', 'virtual key not found');
  if (!key.active) throw new GatewayError('virtual_key_blocked', `virtual key ${key.id} is inactive`);
  if (key.expiresAtMs !== undefined && key.expiresAtMs <= nowMs)
    throw new GatewayError('virtual_key_blocked', `virtual key ${key.id} expired at ${new Date(key.expiresAtMs).toISOString()}`);
  return key;
}

/** Indexes the usable keys by value (a key whose env variable is unset matches nothing). */
export function indexKeys(settings: GovernanceSettings): Map<string, VirtualKeySettings> {
  return new Map(settings.virtualKeys.filter((key) => key.usable).map((key) => [key.value, key]));
}

/**
 * Decides what `key` may do with `requested` ("provider/model", or a bare model when the
 * key's provider_configs choose the provider). Throws 403 provider_blocked / model_blocked.
 */
export function decideAccess(settings: GovernanceSettings, key: VirtualKeySettings, requested: string, random: () => number = Math.random): AccessDecision {
  const slash = requested.indexOf('/');
  if (slash <= 0) return chooseProvider(settings, key, requested, random);
  const provider = requested.slice(0, slash);
  const model = requested.slice(slash + 1);
  const config = key.providerConfigs.find((pc) => pc.provider === provider);
  if (!config) {
    const open = key.allowAllProviders || (key.providerConfigs.length === 0 && !settings.emptyListDenies);
    if (!open) throw new GatewayError('provider_blocked', `virtual key ${key.id} may not use provider "${provider}"`, { provider, model });
    return { key, model: requested, provider };
  }
  if (!configAllowsModel(settings, config, model))
    throw new GatewayError('model_blocked', `virtual key ${key.id} may not use model "${model}" of provider "${provider}"`, { provider, model });
  return withKeyNames({ key, model: requested, provider, providerConfig: config }, settings, config);
}

/** Whether a provider config lets `model` through: blacklist first, then the allowed list. */
export function configAllowsModel(settings: GovernanceSettings, config: ProviderConfigSettings, model: string): boolean {
  if (listMatchesModel(config.blacklistedModels, config.provider, model)) return false;
  const allowed = config.allowedModels;
  if (allowed === undefined) return true;
  if (allowed.length === 0) return !settings.emptyListDenies;
  return listMatchesModel(allowed, config.provider, model);
}

/** A decision with the provider keys its config allows, when it restricts them. */
function withKeyNames(decision: AccessDecision, settings: GovernanceSettings, config: ProviderConfigSettings): AccessDecision {
  const allowedKeyNames = keyNamesOf(settings, config);
  if (allowedKeyNames) decision.allowedKeyNames = allowedKeyNames;
  return decision;
}

/**
 * The provider key names a config allows, by config: a node's config never changes while it
 * runs, so each restricted config's set is built once, not per request.
 */
const keyNamesByConfig = new WeakMap<ProviderConfigSettings, ReadonlySet<string> | null>();

function keyNamesOf(settings: GovernanceSettings, config: ProviderConfigSettings): ReadonlySet<string> | undefined {
  const ids = config.keyIds;
  if (ids === undefined || (ids.length === 0 && !settings.emptyListDenies)) return undefined;
  let names = keyNamesByConfig.get(config);
  if (names === undefined) {
    names = ids.includes('*') ? null : new Set(ids);
    keyNamesByConfig.set(config, names);
  }
  return names ?? undefined;
}

/** A bare model: the key's provider configs that allow it, one picked by weight. */
function chooseProvider(settings: GovernanceSettings, key: VirtualKeySettings, model: string, random: () => number): AccessDecision {
  const candidates = key.providerConfigs.filter((pc) => configAllowsModel(settings, pc, model));
  if (candidates.length === 0) {
    const reason =
      key.providerConfigs.length === 0 ? 'a "provider/model" name (it has no provider_configs to choose from)' : 'a model one of its provider_configs allows';
    throw new GatewayError('model_blocked', `virtual key ${key.id} needs ${reason}; got "${model}"`, { model, param: 'model' });
  }
  const config = pickByWeight(candidates, random);
  return withKeyNames({ key, model: `${config.provider}/${model}`, provider: config.provider, providerConfig: config }, settings, config);
}

function pickByWeight(configs: readonly ProviderConfigSettings[], random: () => number): ProviderConfigSettings {
  const total = configs.reduce((sum, pc) => sum + pc.weight, 0);
  if (total <= 0) return configs[Math.floor(random() * configs.length)] ?? (configs[0] as ProviderConfigSettings);
  let point = random() * total;
  for (const config of configs) {
    point -= config.weight;
    if (point < 0) return config;
  }
  return configs[configs.length - 1] as ProviderConfigSettings;
}
