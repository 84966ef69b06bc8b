import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import { parseModelRef } from '../../core/model-ref.js';
import type { EmbeddingRequest } from '../../providers/chat-types.js';
import type { AppDeps } from '../app-deps.js';
import { beginInference, readFallbacks, readInferenceBody, failInference, recordSuccess, toUpstreamBody, withExtraFields } from '../inference.js';
import { noteResult } from './chat.js';
import { openaiPaths } from './prefixes.js';

/** POST /v1/embeddings. */
export function registerEmbeddingsRoutes(router: Router, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleEmbeddings(ctx, deps);
  for (const path of openaiPaths('/embeddings')) router.post(path, handler);
}

async function handleEmbeddings(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readInferenceBody(ctx, deps);
    const ref = parseModelRef(body.model);
    scope.state.provider = ref.provider;
    scope.state.model = ref.model;
    if (body.input === undefined || body.input === null) {
      throw new GatewayError('invalid_request', 'input is required: a string, an array of strings, or token arrays', { param: 'input' });
    }
    const request = toUpstreamBody<EmbeddingRequest>(body);
    const result = await deps.dispatcher.run({ model: body.model as string, fallbacks: readFallbacks(body), capability: 'embeddings' }, scope.context, (adapter, target) =>
      (adapter.embeddings as NonNullable<typeof adapter.embeddings>).call(adapter, request, target),
    );
    noteResult(scope.state, result);
    recordSuccess(deps, result.provider, result.model, result.value.usage);
    ctx.body = withExtraFields(result.value, result.provider, result.model, scope.state);
  } catch (error) {
    throw failInference(deps, scope, error);
  }
}
