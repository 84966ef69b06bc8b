import * as yup from 'yup';
import { clientSchema } from './client.js';
import { providerSchema, providersSchema, keySchema } from './providers.js';
import { governanceSchema } from './governance.js';
import { logsStoreSchema } from './logs-store.js';
import { storeSchema } from './stores.js';

export { BASE_PROVIDER_TYPES } from './providers.js';

/**
 * The yup schema of Bifrost's config.json, as far as a gateway node reads it. Fields the
 * node does not implement are left through untouched (they are reported by
 * `findUnsupportedSettings`), so that a real Bifrost file validates.
 */

/** The schema of a whole config.json. */
export const configSchema = yup.object({
  $schema: yup.string().optional(),
  version: yup.mixed().optional(),
  providers: providersSchema,
  client: clientSchema,
  config_store: storeSchema.test(
    'file-only',
    'config_store.enabled must be false: every node of a multinode cluster loads the same config.json into memory, ' +
      'and a config store would give each node its own copy that drifts from the others and from the file',
    (store) => store === undefined || store.enabled !== true,
  ),
  logs_store: logsStoreSchema,
  vector_store: storeSchema,
  encryption_key: yup.string().optional(),
  governance: governanceSchema,
  /** Bifrost plugins; only the governance plugin's `is_vk_mandatory` is read. */
  plugins: yup.array(yup.object({ name: yup.string().optional(), enabled: yup.boolean().optional(), config: yup.object().optional() })).optional(),
});

/** A config.json after validation and defaults, before `env.` secrets are resolved. */
export type ValidatedConfig = yup.InferType<typeof configSchema> & { providers: Record<string, ProviderEntry> };
/** One entry of `providers`. */
export type ProviderEntry = yup.InferType<typeof providerSchema>;
/** One entry of a provider's `keys`. */
export type KeyEntry = yup.InferType<typeof keySchema>;
/** The `client` section. */
export type ClientSettings = yup.InferType<typeof clientSchema>;
export type { GovernanceSection, VirtualKeyEntry, ProviderConfigEntry, BudgetEntry, RateLimitEntry, TeamEntry, CustomerEntry } from './governance.js';
