import type { RouteTable } from '../route-table.js';
import type { RuntimeConfig } from '../../../shared/config/index.js';
import { GatewayError } from '../../core/errors.js';
import type { AppDeps } from '../app-deps.js';
import { openaiPaths } from './prefixes.js';

/** One entry of GET /v1/models. */
export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * The models the config names, as "provider/model": every key's explicit `models` entries
 * (and a vllm key's `model_name`). A key allowing "*" adds nothing: the node cannot know
 * which models an upstream serves without asking it.
 */
export function listConfiguredModels(config: RuntimeConfig): ModelEntry[] {
  const seen = new Set<string>();
  const out: ModelEntry[] = [];
  for (const [name, provider] of config.providers) {
    for (const key of provider.keys) {
      const models = key.server?.model_name ? [...key.models, key.server.model_name] : key.models;
      for (const model of models) {
        if (model === '*') continue;
        const id = `${name}/${model}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, object: 'model', created: 0, owned_by: name });
      }
    }
  }
  return out;
}

/** GET /v1/models (optional `?provider=`), from the config. */
export function registerModelsRoutes(router: RouteTable, deps: AppDeps): void {
  const all = listConfiguredModels(deps.config);
  for (const path of openaiPaths('/models')) {
    router.get(path, (ctx) => {
      const provider = typeof ctx.query.provider === 'string' ? ctx.query.provider : undefined;
      if (provider !== undefined && !deps.config.providers.has(provider)) {
        throw new GatewayError('unknown_provider', `provider "${provider}" is not configured on this node`, { param: 'provider' });
      }
      const data = provider === undefined ? all : all.filter((entry) => entry.owned_by === provider);
      ctx.body = { object: 'list', data };
    });
  }
}
