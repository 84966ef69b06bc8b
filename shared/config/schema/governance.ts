import * as yup from 'yup';
import { parseResetDuration } from '../reset-duration.js';

/**
 * The `governance` section of Bifrost's config.json: virtual keys, budgets, rate limits,
 * teams and customers. This file checks each entry's own shape; references between entries
 * (a budget owned by a missing key, an unknown rate_limit_id, two keys with one value) are
 * checked by `findGovernanceIssues` in governance-references.ts.
 */

/** An id: Bifrost writes them as strings, numbers appear in older files; kept as a string. */
const id = () =>
  yup
    .mixed<string>()
    .transform((value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value))
    // Also checked before the transform (strict pass of validate.ts), where a number is still a number.
    .test(
      'id',
      '${path} must be a non-empty string or a number',
      (value: unknown) =>
        value === undefined || value === null || (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value)),
    );

const optionalId = () => id().optional();

/** A reset duration such as "1h", "1d", "1M". */
const resetDuration = () =>
  yup
    .string()
    .test(
      'reset-duration',
      '${path} must be a reset duration such as 30s, 1m, 5m, 1h, 1d, 1w, 1M, 1Q or 1Y',
      (value) => value === undefined || parseResetDuration(value) !== undefined,
    );

const modelList = () => yup.array(yup.string().required()).optional();

/** One entry of a key's `provider_configs`. */
export const providerConfigSchema = yup.object({
  id: optionalId(),
  provider: yup.string().required(),
  weight: yup.number().min(0).default(1),
  allowed_models: modelList(),
  blacklisted_models: modelList(),
  key_ids: modelList(),
  rate_limit_id: optionalId(),
  budget_id: optionalId(),
});

/** A budget listed inline in a key's `budgets` (or just its id). */
const budgetRef = yup.mixed<string | Record<string, unknown>>().test('budget-ref', '${path} must be a budget id or a budget object with an id', (value) => {
  if (typeof value === 'string' || typeof value === 'number') return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (typeof (value as { id?: unknown }).id === 'string' || typeof (value as { id?: unknown }).id === 'number')
  );
});

/** One entry of `governance.virtual_keys`. */
export const virtualKeySchema = yup.object({
  id: id().required(),
  name: yup.string().optional(),
  value: yup.string().required(),
  description: yup.string().optional(),
  is_active: yup.boolean().default(true),
  team_id: optionalId(),
  customer_id: optionalId(),
  rate_limit_id: optionalId(),
  budget_id: optionalId(),
  budgets: yup.array(budgetRef.required()).optional(),
  allow_all_providers: yup.boolean().optional(),
  expires_at: yup
    .string()
    .optional()
    .test('date', '${path} must be an RFC 3339 date-time such as 2026-12-31T23:59:59Z', (value) => value === undefined || !Number.isNaN(Date.parse(value))),
  provider_configs: yup.array(providerConfigSchema).default(() => []),
});

/** One entry of `governance.budgets` (max_limit in US dollars). */
export const budgetSchema = yup.object({
  id: id().required(),
  max_limit: yup.number().min(0).required(),
  reset_duration: resetDuration().required(),
  calendar_aligned: yup.boolean().default(false),
  virtual_key_id: optionalId(),
  team_id: optionalId(),
  customer_id: optionalId(),
  provider_config_id: optionalId(),
});

/** One entry of `governance.rate_limits`: a token limit, a request limit, or both. */
export const rateLimitSchema = yup
  .object({
    id: id().required(),
    token_max_limit: yup.number().integer().min(0).optional(),
    token_reset_duration: resetDuration(),
    request_max_limit: yup.number().integer().min(0).optional(),
    request_reset_duration: resetDuration(),
    calendar_aligned: yup.boolean().default(false),
  })
  // A limit needs the length of its window (a function test: yup's `when` options object has a `then` key that the linter forbids).
  .test(
    'token-window',
    '${path} is required with token_max_limit',
    (rl, ctx) => rl.token_max_limit === undefined || rl.token_reset_duration !== undefined || ctx.createError({ path: `${ctx.path}.token_reset_duration` }),
  )
  .test(
    'request-window',
    '${path} is required with request_max_limit',
    (rl, ctx) =>
      rl.request_max_limit === undefined || rl.request_reset_duration !== undefined || ctx.createError({ path: `${ctx.path}.request_reset_duration` }),
  );

/** One entry of `governance.teams`. */
export const teamSchema = yup.object({
  id: id().required(),
  name: yup.string().optional(),
  customer_id: optionalId(),
  budget_id: optionalId(),
  rate_limit_id: optionalId(),
});

/** One entry of `governance.customers`. */
export const customerSchema = yup.object({
  id: id().required(),
  name: yup.string().optional(),
  budget_id: optionalId(),
  rate_limit_id: optionalId(),
});

/** The whole `governance` section. */
export const governanceSchema = yup
  .object({
    virtual_keys: yup.array(virtualKeySchema).default(() => []),
    budgets: yup.array(budgetSchema).default(() => []),
    rate_limits: yup.array(rateLimitSchema).default(() => []),
    teams: yup.array(teamSchema).default(() => []),
    customers: yup.array(customerSchema).default(() => []),
  })
  .default(undefined)
  .optional();

/** `governance` after validation. */
export type GovernanceSection = yup.InferType<typeof governanceSchema>;
/** One virtual key entry after validation. */
export type VirtualKeyEntry = yup.InferType<typeof virtualKeySchema>;
/** One provider config of a virtual key. */
export type ProviderConfigEntry = yup.InferType<typeof providerConfigSchema>;
/** One budget entry. */
export type BudgetEntry = yup.InferType<typeof budgetSchema>;
/** One rate limit entry. */
export type RateLimitEntry = yup.InferType<typeof rateLimitSchema>;
/** One team entry. */
export type TeamEntry = yup.InferType<typeof teamSchema>;
/** One customer entry. */
export type CustomerEntry = yup.InferType<typeof customerSchema>;
