import type { RouteTable } from '../route-table.js';
import type { Context } from 'koa';
import type { ChatRequest } from '../../providers/chat-types.js';
import type { AppDeps } from '../app-deps.js';
import { answerJson, beginInference, dispatchInference, failInference, readFallbacks, readModelRequest, toUpstreamBody } from '../inference.js';
import { sendChunkStream } from '../sse/openai-stream.js';
import { validateChatBody } from '../validate/chat-body.js';
import { openaiPaths } from './prefixes.js';

/** POST /v1/chat/completions (and the /openai drop-ins): JSON, or SSE with `stream: true`. */
export function registerChatRoutes(router: RouteTable, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleChat(ctx, deps);
  for (const path of openaiPaths('/chat/completions')) router.post(path, handler);
}

async function handleChat(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readModelRequest(ctx, deps, scope);
    validateChatBody(body);
    const fallbacks = readFallbacks(body);
    const request = toUpstreamBody<ChatRequest>(body);

    if (body.stream === true) {
      const result = await dispatchInference(deps, scope, { model: body.model, fallbacks, capability: 'chat', stream: true }, (adapter, target) =>
        adapter.chatStream(request, target),
      );
      await sendChunkStream(ctx, deps, scope, result);
      return;
    }

    const result = await dispatchInference(deps, scope, { model: body.model, fallbacks, capability: 'chat' }, (adapter, target) =>
      adapter.chat(request, target),
    );
    answerJson(ctx, deps, scope, result);
  } catch (error) {
    throw failInference(scope, error);
  }
}
