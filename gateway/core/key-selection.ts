import type { ProviderKey, ProviderSettings } from '../../shared/config/index.js';
import { GatewayError } from './errors.js';

/**
 * Whether a key may serve `model`: its `models` list allows it (`["*"]` or an empty list
 * allow all). A key with `vllm_key_config.model_name` serves that model, plus any model
 * its `models` list names explicitly (its server runs one model, so "*" does not apply).
 */
export function keyAllowsModel(key: ProviderKey, model: string): boolean {
  const pinned = key.server?.model_name;
  if (pinned) return pinned === model || key.models.includes(model);
  if (key.models.length === 0) return true;
  for (const allowed of key.models) {
    if (allowed === '*' || allowed === model) return true;
  }
  return false;
}

/**
 * The keys that may serve `model` on `provider` and are usable. Throws a 400 when no key
 * allows the model, and a 500 naming the unset environment variables (never a value) when
 * keys allow it but none is usable. Returns [] for a key-less provider.
 */
export function selectEligibleKeys(provider: ProviderSettings, model: string): ProviderKey[] {
  if (provider.keyless && provider.keys.length === 0) return [];
  const allowed = provider.keys.filter((key) => keyAllowsModel(key, model));
  if (allowed.length === 0) {
    if (provider.keys.length === 0) {
      throw new GatewayError('no_usable_key', `provider "${provider.name}" has no keys configured`, { provider: provider.name, model });
    }
    throw new GatewayError('model_not_supported', `no key of provider "${provider.name}" allows model "${model}"`, {
      provider: provider.name,
      model,
      param: 'model',
    });
  }
  const usable = allowed.filter((key) => key.usable);
  if (usable.length === 0) {
    const variables = [...new Set(allowed.flatMap((key) => key.missingVariables))];
    throw new GatewayError(
      'no_usable_key',
      `provider "${provider.name}" has no usable key for model "${model}": environment variable(s) ${variables.join(', ')} not set on this node`,
      { provider: provider.name, model },
    );
  }
  return usable;
}

/**
 * A provider's eligible keys by model, worked out once per model: they depend on config.json and
 * the environment alone, which a node never changes while it runs. Models are named by clients,
 * so only the first `maxModels` are kept; a model refused (a throw) is never kept.
 */
export class EligibleKeys {
  private readonly byModel = new Map<string, ProviderKey[]>();

  constructor(
    private readonly provider: ProviderSettings,
    private readonly maxModels = 1024,
  ) {}

  /** selectEligibleKeys(provider, model), the same array each time for a model kept. Callers must not change it. */
  of(model: string): ProviderKey[] {
    let keys = this.byModel.get(model);
    if (keys === undefined) {
      keys = selectEligibleKeys(this.provider, model);
      if (this.byModel.size < this.maxModels) this.byModel.set(model, keys);
    }
    return keys;
  }
}

/**
 * Picks one key weighted-randomly by `weight`. Keys of weight 0 are chosen only when every
 * candidate weighs 0 (then uniformly).
 */
export function pickWeightedKey(keys: readonly ProviderKey[], random: () => number = Math.random): ProviderKey {
  if (keys.length === 1) return keys[0] as ProviderKey;
  let total = 0;
  for (const key of keys) total += key.weight;
  if (total <= 0) return keys[Math.floor(random() * keys.length)] ?? (keys[0] as ProviderKey);
  let point = random() * total;
  for (const key of keys) {
    point -= key.weight;
    if (point < 0) return key;
  }
  // Floating point left a sliver: the last key with weight takes it.
  for (let i = keys.length - 1; i >= 0; i--) if ((keys[i] as ProviderKey).weight > 0) return keys[i] as ProviderKey;
  return keys[0] as ProviderKey;
}
