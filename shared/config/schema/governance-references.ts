import { ValidationError } from 'yup';
import type { ConfigIssue } from '../validate.js';
import { budgetSchema, type GovernanceSection, type VirtualKeyEntry } from './governance.js';

/**
 * Checks the references between governance entries, reporting every broken one with its
 * JSON path, so that the reloader refuses an edit that a node would run with access control
 * quietly weakened (a budget owned by a key that does not exist limits nobody).
 */

/** The parts of a validated config these checks read. */
export interface GovernanceReferenceInput {
  governance?: GovernanceSection;
  providers: Record<string, { keys: readonly { id?: string | undefined; name: string }[] }>;
}

/** Lists every broken reference, duplicate id and duplicate key value in `governance`. */
export function findGovernanceIssues(config: GovernanceReferenceInput): ConfigIssue[] {
  const gov = config.governance;
  if (!gov) return [];
  const issues: ConfigIssue[] = [];
  const add = (path: string, message: string): void => void issues.push({ path: `governance.${path}`, message });

  const rateLimits = collectIds(gov.rate_limits, 'rate_limits', add);
  const teams = collectIds(gov.teams, 'teams', add);
  const customers = collectIds(gov.customers, 'customers', add);
  const keys = collectIds(gov.virtual_keys, 'virtual_keys', add);
  const budgets = collectIds(gov.budgets, 'budgets', add);
  const providerConfigs = new Set<string>();
  gov.virtual_keys.forEach((key, k) => {
    collectInlineBudgets(key, k, budgets, add);
  });

  const expect = (set: Set<string>, what: string) => (value: string | undefined, path: string) => {
    if (value !== undefined && !set.has(value)) add(path, `${what} "${value}" is not defined in governance`);
  };
  const rateLimit = expect(rateLimits, 'rate limit');
  const budget = expect(budgets, 'budget');
  const team = expect(teams, 'team');
  const customer = expect(customers, 'customer');

  const values = new Map<string, number>();
  gov.virtual_keys.forEach((key, k) => {
    const at = `virtual_keys[${k}]`;
    if (!key.value.startsWith('sk-bf-') && !key.value.startsWith('env.'))
      add(`${at}.value`, 'a virtual key value must start with "sk-bf-" (or be an env.NAME reference)');
    const first = values.get(key.value);
    // The value itself is a secret: the message names the other entry, never the value.
    if (first !== undefined) add(`${at}.value`, `same value as virtual_keys[${first}]; every virtual key needs its own value`);
    else values.set(key.value, k);
    if (key.team_id !== undefined && key.customer_id !== undefined)
      add(at, 'a virtual key belongs to a team or to a customer, not both (the team names its customer)');
    team(key.team_id, `${at}.team_id`);
    customer(key.customer_id, `${at}.customer_id`);
    rateLimit(key.rate_limit_id, `${at}.rate_limit_id`);
    budget(key.budget_id, `${at}.budget_id`);
    key.provider_configs.forEach((pc, p) => {
      const pcAt = `${at}.provider_configs[${p}]`;
      if (pc.id !== undefined) {
        if (providerConfigs.has(pc.id)) add(`${pcAt}.id`, `provider config id "${pc.id}" is used twice`);
        providerConfigs.add(pc.id);
      }
      // An own entry only: a name such as "toString" must not find the object's prototype.
      const provider = Object.hasOwn(config.providers, pc.provider) ? config.providers[pc.provider] : undefined;
      if (!provider) add(`${pcAt}.provider`, `provider "${pc.provider}" is not configured under providers`);
      for (const [i, keyId] of (pc.key_ids ?? []).entries()) {
        if (keyId === '*' || !provider) continue;
        if (!provider.keys.some((entry) => entry.name === keyId)) add(`${pcAt}.key_ids[${i}]`, `provider "${pc.provider}" has no key named "${keyId}"`);
      }
      for (const field of ['allowed_models', 'blacklisted_models'] as const) {
        for (const [i, pattern] of (pc[field] ?? []).entries()) {
          const problem = regexProblem(pattern);
          if (problem) add(`${pcAt}.${field}[${i}]`, problem);
        }
      }
      rateLimit(pc.rate_limit_id, `${pcAt}.rate_limit_id`);
      budget(pc.budget_id, `${pcAt}.budget_id`);
    });
    (key.budgets ?? []).forEach((ref, b) => {
      if (typeof ref !== 'object') budget(String(ref), `${at}.budgets[${b}]`);
    });
  });

  gov.teams.forEach((entry, t) => {
    customer(entry.customer_id, `teams[${t}].customer_id`);
    budget(entry.budget_id, `teams[${t}].budget_id`);
    rateLimit(entry.rate_limit_id, `teams[${t}].rate_limit_id`);
  });
  gov.customers.forEach((entry, c) => {
    budget(entry.budget_id, `customers[${c}].budget_id`);
    rateLimit(entry.rate_limit_id, `customers[${c}].rate_limit_id`);
  });
  gov.budgets.forEach((entry, b) => {
    const at = `budgets[${b}]`;
    const owners = (['virtual_key_id', 'team_id', 'customer_id', 'provider_config_id'] as const).filter((field) => entry[field] !== undefined);
    if (owners.length > 1) add(at, `a budget has one owner; this one names ${owners.join(' and ')}`);
    expect(keys, 'virtual key')(entry.virtual_key_id, `${at}.virtual_key_id`);
    team(entry.team_id, `${at}.team_id`);
    customer(entry.customer_id, `${at}.customer_id`);
    expect(providerConfigs, 'provider config')(entry.provider_config_id, `${at}.provider_config_id`);
  });
  return issues;
}

function collectIds(entries: readonly { id?: string | undefined }[], list: string, add: (path: string, message: string) => void): Set<string> {
  const ids = new Set<string>();
  entries.forEach((entry, index) => {
    if (entry.id === undefined) return;
    if (ids.has(entry.id)) add(`${list}[${index}].id`, `id "${entry.id}" is used twice in ${list}`);
    ids.add(entry.id);
  });
  return ids;
}

/** Budgets written inline in a key's `budgets` are budgets of their own: validate and register them. */
function collectInlineBudgets(key: VirtualKeyEntry, k: number, budgets: Set<string>, add: (path: string, message: string) => void): void {
  (key.budgets ?? []).forEach((ref, b) => {
    if (typeof ref !== 'object') return;
    const at = `virtual_keys[${k}].budgets[${b}]`;
    try {
      const inline = budgetSchema.validateSync(ref, { abortEarly: false });
      if (budgets.has(inline.id)) add(`${at}.id`, `budget id "${inline.id}" is used twice`);
      budgets.add(inline.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const leaf of error.inner.length > 0 ? error.inner : [error]) add(`${at}${leaf.path ? `.${leaf.path}` : ''}`, leaf.message);
    }
  });
}

/** Why a `regex:` model pattern does not compile, or undefined. */
function regexProblem(pattern: string): string | undefined {
  if (!pattern.startsWith('regex:')) return undefined;
  try {
    new RegExp(pattern.slice('regex:'.length));
    return undefined;
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
}
