import type { ProviderSettings } from '../../shared/config/index.js';

/** The label value for every model outside the bounded set. */
export const OTHER_MODEL = 'other';
/** How many model names the node learns beyond those its config names (all providers together). */
const MAX_LEARNED_MODELS = 200;
/** A model name longer than this is never a label value. */
const MAX_LABEL_LENGTH = 128;

/**
 * Metric label values for provider and model, from a bounded set. Every series costs memory
 * and scrape time for the life of the process, and the model comes from the client: unique
 * or huge model strings would otherwise grow /metrics without bound. A provider is a label
 * value only when configured; a model only when the config names it for that provider, or
 * once that provider has really answered for it (up to a fixed number of such names);
 * anything else is counted as "other".
 */
export class ModelLabels {
  private readonly models = new Map<string, Set<string>>();
  private learned = 0;

  constructor(providers: ReadonlyMap<string, ProviderSettings>) {
    for (const [name, settings] of providers) {
      const named = new Set<string>();
      for (const key of settings.keys) for (const model of key.models) if (model !== '*' && model.length <= MAX_LABEL_LENGTH) named.add(model);
      this.models.set(name, named);
    }
  }

  /** The label values for a provider and model: '' for an unconfigured provider, "other" for an unknown model. */
  of(provider: string, model: string): { provider: string; model: string } {
    const known = this.models.get(provider);
    if (known === undefined) return { provider: '', model: '' };
    return { provider, model: known.has(model) ? model : OTHER_MODEL };
  }

  /** Notes a model a configured provider answered for, so it gets its own series (bounded). */
  learn(provider: string, model: string): void {
    const known = this.models.get(provider);
    if (known === undefined || known.has(model) || this.learned >= MAX_LEARNED_MODELS || model.length > MAX_LABEL_LENGTH) return;
    known.add(model);
    this.learned++;
  }
}
