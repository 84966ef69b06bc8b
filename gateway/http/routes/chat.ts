import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import { parseModelRef } from '../../core/model-ref.js';
import type { ChatRequest } from '../../providers/chat-types.js';
import type { AppDeps } from '../app-deps.js';
import {
  beginInference,
  readFallbacks,
  readInferenceBody,
  failInference,
  recordSuccess,
  toUpstreamBody,
  withExtraFields,
} from '../inference.js';
import { sendChunkStream } from '../stream-response.js';
import { openaiPaths } from './prefixes.js';

/** POST /v1/chat/completions (and the /openai drop-ins): JSON, or SSE with `stream: true`. */
export function registerChatRoutes(router: Router, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleChat(ctx, deps);
  for (const path of openaiPaths('/chat/completions')) router.post(path, handler);
}

async function handleChat(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readInferenceBody(ctx, deps);
    const ref = parseModelRef(body.model);
    scope.state.provider = ref.provider;
    scope.state.model = ref.model;
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new GatewayError('invalid_request', 'messages is required: a non-empty array of chat messages', { param: 'messages' });
    }
    const fallbacks = readFallbacks(body);
    const request = toUpstreamBody<ChatRequest>(body);

    if (body.stream === true) {
      const result = await deps.dispatcher.run({ model: body.model as string, fallbacks, capability: 'chat', stream: true }, scope.context, (adapter, target) =>
        adapter.chatStream(request, target),
      );
      noteResult(scope.state, result);
      await sendChunkStream(ctx, deps, scope, result);
      return;
    }

    const result = await deps.dispatcher.run({ model: body.model as string, fallbacks, capability: 'chat' }, scope.context, (adapter, target) =>
      adapter.chat(request, target),
    );
    noteResult(scope.state, result);
    recordSuccess(deps, result.provider, result.model, result.value.usage);
    ctx.body = withExtraFields(result.value, result.provider, result.model, scope.state);
  } catch (error) {
    throw failInference(deps, scope, error);
  }
}

/** Records who answered, for the access log and metrics. */
export function noteResult(state: { provider: string; model: string; attempts?: number; fallbackIndex?: number }, result: { provider: string; model: string; attempts: number; fallbackIndex: number }): void {
  state.provider = result.provider;
  state.model = result.model;
  state.attempts = result.attempts;
  state.fallbackIndex = result.fallbackIndex;
}
