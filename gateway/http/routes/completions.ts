import type { RouteTable } from '../route-table.js';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import type { TextCompletionRequest } from '../../providers/chat-types.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { AppDeps } from '../app-deps.js';
import { checkStreamFlag } from '../validate/field-checks.js';
import { sendChunkStream } from '../sse/openai-stream.js';
import { answerJson, beginInference, dispatchInference, failInference, readFallbacks, readModelRequest, toUpstreamBody } from '../inference.js';
import { openaiPaths } from './prefixes.js';

/** POST /v1/completions (legacy text completions): JSON, or SSE with `stream: true` on OpenAI-compatible providers. */
export function registerCompletionsRoutes(router: RouteTable, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleCompletion(ctx, deps);
  for (const path of openaiPaths('/completions')) router.post(path, handler);
}

async function handleCompletion(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readModelRequest(ctx, deps, scope);
    if (typeof body.prompt !== 'string' && !Array.isArray(body.prompt)) {
      throw new GatewayError('invalid_request', 'prompt is required: a string or an array of strings', { param: 'prompt' });
    }
    checkStreamFlag(body);
    const request = toUpstreamBody<TextCompletionRequest>(body);
    if (body.stream === true) {
      const result = await dispatchInference(
        deps,
        scope,
        { model: body.model, fallbacks: readFallbacks(body), capability: 'text', stream: true },
        (adapter, target) => {
          const text = adapter.capabilities.text;
          if (!text?.stream) {
            throw new GatewayError('unsupported_operation', `provider "${target.provider.name}" does not stream text completions; use /v1/chat/completions`, {
              provider: target.provider.name,
              model: target.model,
            });
          }
          return text.stream(request, target);
        },
      );
      await sendChunkStream(ctx, deps, scope, result);
      return;
    }
    const result = await dispatchInference(deps, scope, { model: body.model, fallbacks: readFallbacks(body), capability: 'text' }, (adapter, target) =>
      requireCapability(adapter.capabilities.text, target, 'serve text completions (/v1/completions)').complete(request, target),
    );
    answerJson(ctx, deps, scope, result);
  } catch (error) {
    throw failInference(scope, error);
  }
}
