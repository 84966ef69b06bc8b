import type { RouteTable } from '../route-table.js';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import type { EmbeddingRequest } from '../../providers/chat-types.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { AppDeps } from '../app-deps.js';
import { checkStreamFlag } from '../validate/field-checks.js';
import { answerJson, beginInference, dispatchInference, failInference, readFallbacks, readModelRequest, toUpstreamBody } from '../inference.js';
import { openaiPaths } from './prefixes.js';

/** POST /v1/embeddings. */
export function registerEmbeddingsRoutes(router: RouteTable, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleEmbeddings(ctx, deps);
  for (const path of openaiPaths('/embeddings')) router.post(path, handler);
}

async function handleEmbeddings(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readModelRequest(ctx, deps, scope);
    if (body.input === undefined || body.input === null) {
      throw new GatewayError('invalid_request', 'input is required: a string, an array of strings, or token arrays', { param: 'input' });
    }
    checkStreamFlag(body);
    const request = toUpstreamBody<EmbeddingRequest>(body);
    const result = await dispatchInference(deps, scope, { model: body.model, fallbacks: readFallbacks(body), capability: 'embeddings' }, (adapter, target) =>
      requireCapability(adapter.capabilities.embeddings, target, 'serve embeddings (/v1/embeddings)').embed(request, target),
    );
    answerJson(ctx, deps, scope, result);
  } catch (error) {
    throw failInference(scope, error);
  }
}
