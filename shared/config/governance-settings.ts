import { resolveEnvReference } from './env-secrets.js';
import { parseResetDuration, type ResetDuration } from './reset-duration.js';
import type { BudgetEntry, GovernanceSection, ValidatedConfig } from './schema/index.js';

/**
 * The governance section as a node runs it: key values resolved from `env.`, budgets
 * gathered onto every scope that owns or names them, durations parsed. Built once at load.
 */

/** How a limit's windows are cut: by a duration from the epoch, or on UTC calendar boundaries. */
export interface LimitWindow {
  duration: ResetDuration;
  calendarAligned: boolean;
}

/** One rate limit: a request limit, a token limit, or both. */
export interface RateLimitSettings {
  id: string;
  requests?: { max: number; window: LimitWindow };
  tokens?: { max: number; window: LimitWindow };
}

/** One budget, in US dollars. */
export interface BudgetSettings {
  id: string;
  maxUsd: number;
  window: LimitWindow;
}

/** What every level of the hierarchy may carry. */
export interface ScopeLimits {
  id: string;
  rateLimitId?: string;
  budgetIds: readonly string[];
}

/** One of a key's provider configs. Lists left out of the file are undefined (= all). */
export interface ProviderConfigSettings extends ScopeLimits {
  provider: string;
  weight: number;
  allowedModels?: readonly string[];
  blacklistedModels: readonly string[];
  keyIds?: readonly string[];
}

/** One virtual key, its value resolved. */
export interface VirtualKeySettings extends ScopeLimits {
  name: string;
  /** The secret. Never log it, never send it upstream. */
  value: string;
  /** False when its value came from an unset environment variable: no request can match it. */
  usable: boolean;
  active: boolean;
  expiresAtMs?: number;
  teamId?: string;
  customerId?: string;
  allowAllProviders: boolean;
  providerConfigs: readonly ProviderConfigSettings[];
}

/** A team: belongs to at most one customer. */
export interface TeamSettings extends ScopeLimits {
  customerId?: string;
}

/** The governance a node enforces. */
export interface GovernanceSettings {
  /** True when config.json has a governance section. */
  configured: boolean;
  /** Requests without a virtual key are refused (enforce_auth_on_inference and its older names). */
  vkMandatory: boolean;
  /** `version: 2` files: an empty allowed_models / key_ids list denies all (version 1: allows all). */
  emptyListDenies: boolean;
  virtualKeys: readonly VirtualKeySettings[];
  rateLimits: ReadonlyMap<string, RateLimitSettings>;
  budgets: ReadonlyMap<string, BudgetSettings>;
  teams: ReadonlyMap<string, TeamSettings>;
  customers: ReadonlyMap<string, ScopeLimits>;
  /** True when any key, team or customer has a budget or rate limit: counters need a store. */
  hasLimits: boolean;
}

/** Builds the settings; `noteMissing` hears of every unset variable a key value named. */
export function resolveGovernance(config: ValidatedConfig, env: NodeJS.ProcessEnv, noteMissing: (variable: string, user: string) => void): GovernanceSettings {
  const gov: NonNullable<GovernanceSection> = config.governance ?? { virtual_keys: [], budgets: [], rate_limits: [], teams: [], customers: [] };
  const allBudgets: BudgetEntry[] = [...gov.budgets];
  for (const key of gov.virtual_keys) {
    for (const ref of key.budgets ?? [])
      if (typeof ref === 'object') allBudgets.push({ calendar_aligned: false, ...ref, virtual_key_id: key.id } as BudgetEntry);
  }
  const owned = (
    field: 'virtual_key_id' | 'team_id' | 'customer_id' | 'provider_config_id',
    id: string | undefined,
    named: (string | undefined)[],
  ): string[] => {
    const ids = named.filter((value): value is string => value !== undefined);
    if (id !== undefined) for (const budget of allBudgets) if (budget[field] === id) ids.push(budget.id);
    return [...new Set(ids)];
  };

  const virtualKeys = gov.virtual_keys.map((key): VirtualKeySettings => {
    const resolved = resolveEnvReference(key.value, env);
    if (resolved.missing && resolved.variable) noteMissing(resolved.variable, `governance.virtual_keys (${key.id})`);
    const named = [key.budget_id, ...(key.budgets ?? []).map((ref) => (typeof ref === 'object' ? String(ref.id) : String(ref)))];
    return {
      id: key.id,
      name: key.name ?? key.id,
      value: resolved.value,
      usable: !resolved.missing,
      active: key.is_active,
      ...(key.expires_at ? { expiresAtMs: Date.parse(key.expires_at) } : {}),
      ...optional('teamId', key.team_id),
      ...optional('customerId', key.customer_id),
      ...optional('rateLimitId', key.rate_limit_id),
      budgetIds: owned('virtual_key_id', key.id, named),
      allowAllProviders: key.allow_all_providers === true,
      providerConfigs: key.provider_configs.map((pc, index) => ({
        // A provider config without an id still needs a stable one for counters and metrics.
        id: pc.id ?? `${key.id}/${pc.provider}/${index}`,
        provider: pc.provider,
        weight: pc.weight,
        ...optional('allowedModels', pc.allowed_models),
        blacklistedModels: pc.blacklisted_models ?? [],
        ...optional('keyIds', pc.key_ids),
        ...optional('rateLimitId', pc.rate_limit_id),
        budgetIds: owned('provider_config_id', pc.id, [pc.budget_id]),
      })),
    };
  });

  const rateLimits = new Map(gov.rate_limits.map((rl) => [rl.id, toRateLimit(rl)]));
  const budgets = new Map(
    allBudgets.map((b) => [
      b.id,
      {
        id: b.id,
        maxUsd: b.max_limit,
        window: { duration: parseResetDuration(b.reset_duration) as ResetDuration, calendarAligned: b.calendar_aligned === true },
      },
    ]),
  );
  const teams = new Map(
    gov.teams.map((t) => [
      t.id,
      { id: t.id, ...optional('customerId', t.customer_id), ...optional('rateLimitId', t.rate_limit_id), budgetIds: owned('team_id', t.id, [t.budget_id]) },
    ]),
  );
  const customers = new Map(
    gov.customers.map((c) => [c.id, { id: c.id, ...optional('rateLimitId', c.rate_limit_id), budgetIds: owned('customer_id', c.id, [c.budget_id]) }]),
  );
  const scopes: ScopeLimits[] = [...virtualKeys, ...virtualKeys.flatMap((k) => k.providerConfigs), ...teams.values(), ...customers.values()];
  const plugin = (config.plugins ?? []).find((p) => p.name === 'governance');
  return {
    configured: config.governance !== undefined,
    vkMandatory:
      config.client.enforce_auth_on_inference === true ||
      config.client.enforce_governance_header === true ||
      (plugin?.config as { is_vk_mandatory?: unknown } | undefined)?.is_vk_mandatory === true,
    emptyListDenies: Number(config.version ?? 1) >= 2,
    virtualKeys,
    rateLimits,
    budgets,
    teams,
    customers,
    hasLimits: scopes.some((scope) => scope.rateLimitId !== undefined || scope.budgetIds.length > 0),
  };
}

function toRateLimit(rl: NonNullable<GovernanceSection>['rate_limits'][number]): RateLimitSettings {
  const window = (text: string | undefined): LimitWindow => ({
    duration: parseResetDuration(text) as ResetDuration,
    calendarAligned: rl.calendar_aligned === true,
  });
  return {
    id: rl.id,
    ...(rl.request_max_limit !== undefined ? { requests: { max: rl.request_max_limit, window: window(rl.request_reset_duration) } } : {}),
    ...(rl.token_max_limit !== undefined ? { tokens: { max: rl.token_max_limit, window: window(rl.token_reset_duration) } } : {}),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
