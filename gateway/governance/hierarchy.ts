import type { GovernanceSettings, LimitWindow, ScopeLimits } from '../../shared/config/index.js';
import type { AccessDecision } from './access.js';
import { counterKey } from './store/counter-store.js';
import { toWindowSpec, type WindowSpec } from './windows.js';

/**
 * The counters one request is checked against and charged to, from every level of the
 * hierarchy: provider config -> virtual key -> team -> customer. A counter belongs to its
 * rate limit or budget (as in Bifrost, where they are rows of their own): a rate limit
 * named at two levels is one counter, checked and charged once.
 */

/** Which level of the hierarchy a limit hangs on (for messages and metrics). */
export type Level = 'provider_config' | 'virtual_key' | 'team' | 'customer';

/** What a counter counts. */
export type LimitKind = 'requests' | 'tokens' | 'cost_usd';

/** One counter a request must pass. */
export interface CounterCheck {
  scopeKind: 'rate_limit' | 'budget';
  scopeId: string;
  limitKind: LimitKind;
  window: WindowSpec;
  /** The duration as written ("1h"), for messages. */
  windowText: string;
  max: number;
  /** Where it was found: the first level naming it. */
  level: Level;
  levelId: string;
}

/** The levels a decision covers, most specific first. */
export function levelsOf(settings: GovernanceSettings, decision: AccessDecision): { level: Level; scope: ScopeLimits }[] {
  const levels: { level: Level; scope: ScopeLimits }[] = [];
  if (decision.providerConfig) levels.push({ level: 'provider_config', scope: decision.providerConfig });
  levels.push({ level: 'virtual_key', scope: decision.key });
  const team = decision.key.teamId === undefined ? undefined : settings.teams.get(decision.key.teamId);
  if (team) levels.push({ level: 'team', scope: team });
  const customerId = decision.key.customerId ?? team?.customerId;
  const customer = customerId === undefined ? undefined : settings.customers.get(customerId);
  if (customer) levels.push({ level: 'customer', scope: customer });
  return levels;
}

/** Every counter of every level, deduplicated, in hierarchy order. */
export function collectCounters(settings: GovernanceSettings, decision: AccessDecision): CounterCheck[] {
  const counters: CounterCheck[] = [];
  const seen = new Set<string>();
  const add = (check: Omit<CounterCheck, 'window' | 'windowText'>, window: LimitWindow): void => {
    const id = counterKey(check);
    if (seen.has(id)) return;
    seen.add(id);
    counters.push({ ...check, window: toWindowSpec(window), windowText: window.duration.text });
  };
  for (const { level, scope } of levelsOf(settings, decision)) {
    const rateLimit = scope.rateLimitId === undefined ? undefined : settings.rateLimits.get(scope.rateLimitId);
    if (rateLimit?.requests)
      add(
        { scopeKind: 'rate_limit', scopeId: rateLimit.id, limitKind: 'requests', max: rateLimit.requests.max, level, levelId: scope.id },
        rateLimit.requests.window,
      );
    if (rateLimit?.tokens)
      add(
        { scopeKind: 'rate_limit', scopeId: rateLimit.id, limitKind: 'tokens', max: rateLimit.tokens.max, level, levelId: scope.id },
        rateLimit.tokens.window,
      );
    for (const budgetId of scope.budgetIds) {
      const budget = settings.budgets.get(budgetId);
      if (budget) add({ scopeKind: 'budget', scopeId: budget.id, limitKind: 'cost_usd', max: budget.maxUsd, level, levelId: scope.id }, budget.window);
    }
  }
  return counters;
}
