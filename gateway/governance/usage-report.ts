import type { GovernanceSettings } from '../../shared/config/index.js';
import { collectCounters, type CounterCheck } from './hierarchy.js';
import type { GovernanceMetrics } from './metrics.js';
import type { CounterReading, CounterStore } from './store/counter-store.js';
import { toWindowSpec } from './windows.js';

/**
 * The read-only usage view behind `GET /api/governance/usage`: for every rate limit and
 * budget, its current window's usage, limit and reset time; for every virtual key, the
 * counters it is checked against. Ids and names only: never a key value.
 */

/** One counter's current window. */
export interface UsageEntry {
  limit_kind: CounterCheck['limitKind'];
  used: number;
  limit: number;
  reset_duration: string;
  window_start: string;
  resets_at: string;
}

/** The endpoint's answer. */
export interface UsageReport {
  store: 'up' | 'down' | 'none';
  rate_limits: { id: string; counters: UsageEntry[] }[];
  budgets: ({ id: string } & UsageEntry)[];
  virtual_keys: {
    id: string;
    name: string;
    is_active: boolean;
    team_id?: string;
    customer_id?: string;
    counters: ({ level: string; level_id: string; scope_kind: string; scope_id: string } & UsageEntry)[];
  }[];
}

/** Every configured counter once, as a check (rate limits' request and token counters, budgets). */
export function allCounters(settings: GovernanceSettings): CounterCheck[] {
  const checks: CounterCheck[] = [];
  for (const rl of settings.rateLimits.values()) {
    for (const kind of ['requests', 'tokens'] as const) {
      const limit = rl[kind];
      if (limit)
        checks.push({
          scopeKind: 'rate_limit',
          scopeId: rl.id,
          limitKind: kind,
          max: limit.max,
          window: toWindowSpec(limit.window),
          windowText: limit.window.duration.text,
          level: 'virtual_key',
          levelId: '',
        });
    }
  }
  for (const budget of settings.budgets.values()) {
    checks.push({
      scopeKind: 'budget',
      scopeId: budget.id,
      limitKind: 'cost_usd',
      max: budget.maxUsd,
      window: toWindowSpec(budget.window),
      windowText: budget.window.duration.text,
      level: 'virtual_key',
      levelId: '',
    });
  }
  return checks;
}

/** Sets the limit gauges once (the limits only change with the config, i.e. with a restart). */
export function publishLimits(settings: GovernanceSettings, metrics: GovernanceMetrics): void {
  for (const check of allCounters(settings))
    metrics.limit.set({ scope_kind: check.scopeKind, scope_id: check.scopeId, limit_kind: check.limitKind }, check.max);
}

/** Builds the report from one read of every counter. */
export async function buildUsageReport(
  settings: GovernanceSettings,
  store: CounterStore | undefined,
  storeDown: boolean,
  metrics: GovernanceMetrics,
): Promise<UsageReport> {
  const checks = allCounters(settings);
  const readings = store ? await store.read(checks) : checks.map(() => undefined);
  const byCounter = new Map<string, UsageEntry>();
  checks.forEach((check, i) => {
    const entry = toEntry(check, readings[i]);
    byCounter.set(`${check.scopeKind}/${check.scopeId}/${check.limitKind}`, entry);
    metrics.noteUsage(check, entry.used);
  });
  return {
    store: store ? (storeDown ? 'down' : 'up') : 'none',
    rate_limits: [...settings.rateLimits.values()].map((rl) => ({
      id: rl.id,
      counters: (['requests', 'tokens'] as const).flatMap((kind) => byCounter.get(`rate_limit/${rl.id}/${kind}`) ?? []),
    })),
    budgets: [...settings.budgets.values()].map((b) => ({ id: b.id, ...(byCounter.get(`budget/${b.id}/cost_usd`) as UsageEntry) })),
    virtual_keys: settings.virtualKeys.map((key) => ({
      id: key.id,
      name: key.name,
      is_active: key.active,
      ...(key.teamId ? { team_id: key.teamId } : {}),
      ...(key.customerId ? { customer_id: key.customerId } : {}),
      // The key's own levels (key, team, customer); provider configs add theirs per provider.
      counters: [...key.providerConfigs.map((pc) => ({ pc })), { pc: undefined }].flatMap(({ pc }) =>
        collectCounters(settings, { key, model: '', provider: pc?.provider ?? '', ...(pc ? { providerConfig: pc } : {}) })
          .filter((c) => (pc ? c.level === 'provider_config' : true))
          .map((c) => ({
            level: c.level,
            level_id: c.levelId,
            scope_kind: c.scopeKind,
            scope_id: c.scopeId,
            ...(byCounter.get(`${c.scopeKind}/${c.scopeId}/${c.limitKind}`) as UsageEntry),
          })),
      ),
    })),
  };
}

function toEntry(check: CounterCheck, reading: CounterReading | undefined): UsageEntry {
  return {
    limit_kind: check.limitKind,
    used: reading?.used ?? 0,
    limit: check.max,
    reset_duration: check.windowText,
    window_start: reading ? new Date(reading.windowStartMs).toISOString() : '',
    resets_at: reading ? new Date(reading.windowEndMs).toISOString() : '',
  };
}
