import { readFileSync } from 'node:fs';
// Imported (not read from disk) so that the TypeScript build copies it into dist/ with the code.
import shipped from './prices.json' with { type: 'json' };

/**
 * The per-token price table that turns usage into dollars for budgets. The repository ships
 * one (prices.json, its source and date inside); GOVERNANCE_PRICES_FILE may name another in
 * the same LiteLLM-style shape (either `{ "models": { name: entry } }` or LiteLLM's flat map).
 */

/** LiteLLM's fields for one model, in US dollars per token. */
export interface ModelPrice {
  input_cost_per_token: number;
  output_cost_per_token: number;
}

/** A loaded table. */
export interface PriceTable {
  /** Where it came from, for the start-up log line. */
  source: string;
  date?: string;
  prices: ReadonlyMap<string, ModelPrice>;
}

/** Where the shipped table lives, for log lines. */
const SHIPPED_SOURCE = 'gateway/governance/prices.json';

/** Reads a price table file, or the shipped one without a path; throws with the file's name when it is not one. */
export function loadPriceTable(path?: string): PriceTable {
  if (path === undefined) return parsePriceTable(shipped, SHIPPED_SOURCE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`price table ${path}: ${(cause as Error).message}`, { cause });
  }
  return parsePriceTable(raw, path);
}

/** Reads a table already parsed from JSON. */
export function parsePriceTable(raw: unknown, path: string): PriceTable {
  if (typeof raw !== 'object' || raw === null) throw new Error(`price table ${path}: not a JSON object`);
  const record = raw as Record<string, unknown>;
  const models = typeof record.models === 'object' && record.models !== null ? (record.models as Record<string, unknown>) : record;
  const prices = new Map<string, ModelPrice>();
  for (const [name, entry] of Object.entries(models)) {
    if (name.startsWith('_') || name === 'sample_spec' || typeof entry !== 'object' || entry === null) continue;
    const input = (entry as Record<string, unknown>).input_cost_per_token;
    const output = (entry as Record<string, unknown>).output_cost_per_token;
    if (typeof input !== 'number' && typeof output !== 'number') continue;
    prices.set(name, { input_cost_per_token: typeof input === 'number' ? input : 0, output_cost_per_token: typeof output === 'number' ? output : 0 });
  }
  return { source: path, ...(typeof record._date === 'string' ? { date: record._date } : {}), prices };
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The price of a model: by its name, "provider/model", or its name without a date suffix. */
export function findPrice(table: PriceTable, provider: string, model: string): ModelPrice | undefined {
  return table.prices.get(model) ?? table.prices.get(`${provider}/${model}`) ?? table.prices.get(model.replace(DATE_SUFFIX, ''));
}

/** Dollars for a usage at a price (0 without a price: the caller reports that). */
export function costOf(price: ModelPrice | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0;
  return promptTokens * price.input_cost_per_token + completionTokens * price.output_cost_per_token;
}
