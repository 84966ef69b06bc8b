import type { RouteTable } from '../route-table.js';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import { checkModelRefLength } from '../../core/model-ref.js';
import type { AnthropicClientHeaders } from '../../providers/anthropic/native.js';
import { toChatUsage } from '../../providers/anthropic/response.js';
import type { AnthropicRequest } from '../../providers/anthropic/types.js';
import { respondWithAnthropicError } from '../anthropic/errors.js';
import { toAnthropicResponse } from '../anthropic/from-chat-response.js';
import { sendAnthropicStream, type AnthropicRouteStream } from '../anthropic/send-stream.js';
import { toChatRequest } from '../anthropic/to-chat-request.js';
import type { AppDeps } from '../app-deps.js';
import { checkChatAnswerShape } from '../chat-answer-shape.js';
import { captureOutput, captureRequest } from '../../request-log/capture-content.js';
import { failDropIn } from '../fail-drop-in.js';
import { noteRequested } from '../../request/request-state.js';
import { validateAnthropicBody } from '../validate/anthropic-body.js';
import { beginInference, dispatchInference, noteJsonSuccess, readFallbacks, readInferenceBody, toUpstreamBody } from '../inference.js';

/**
 * POST /anthropic/v1/messages: Anthropic's own API, so `@anthropic-ai/sdk` works with its
 * base URL set to `http://host/anthropic`. A provider speaking Anthropic's protocol gets the
 * client's body as is (no round trip through the chat shape); any other provider is reached
 * by translating to and from the chat shape. Errors keep Anthropic's shape.
 */
export function registerAnthropicRoutes(router: RouteTable, deps: AppDeps): void {
  router.post('/anthropic/v1/messages', (ctx) => handleMessages(ctx, deps));
}

/** "provider/model" as given, or a bare Claude model name routed to the anthropic provider; no longer than parseModelRef accepts. */
export function qualifyModel(model: unknown): string {
  if (typeof model !== 'string' || model === '') {
    throw new GatewayError('invalid_request', 'model: Field required (a model such as "claude-sonnet-4-5" or "provider/model")', { param: 'model' });
  }
  const qualified = model.includes('/') ? model : `anthropic/${model}`;
  checkModelRefLength(qualified);
  return qualified;
}

/** An Anthropic message id for a translated answer: the provider's id (prefixed `msg_`), or the request's when it sent none. */
function messageIdOf(id: unknown, requestId: string): string {
  if (typeof id !== 'string' || id === '') return `msg_${requestId}`;
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

async function handleMessages(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const body = await readInferenceBody(ctx, deps, scope);
    const model = qualifyModel(body.model);
    const slash = model.indexOf('/');
    noteRequested(scope.state, model.slice(0, slash), model.slice(slash + 1));
    validateAnthropicBody(body);
    if (scope.state.content) captureRequest(scope.state.content, body);
    const fallbacks = readFallbacks(body);
    const request = toUpstreamBody<AnthropicRequest>(body);
    const clientHeaders: AnthropicClientHeaders = { version: ctx.get('anthropic-version') || undefined, beta: ctx.get('anthropic-beta') || undefined };

    if (body.stream === true) {
      const result = await dispatchInference(
        deps,
        scope,
        { model, fallbacks, capability: 'chat', stream: true },
        async (adapter, target): Promise<AnthropicRouteStream> => {
          const native = adapter.capabilities.native?.anthropic;
          if (native) return { kind: 'native', events: await native.stream({ ...request, model: target.model }, target, clientHeaders) };
          const chunks = await adapter.chatStream(toChatRequest(request, target.model), target);
          return { kind: 'chat', chunks, messageId: `msg_${scope.requestId}`, model: target.model };
        },
      );
      await sendAnthropicStream(ctx, deps, scope, result);
      return;
    }

    const result = await dispatchInference(deps, scope, { model, fallbacks, capability: 'chat' }, async (adapter, target) => {
      const native = adapter.capabilities.native?.anthropic;
      if (native) return native.send({ ...request, model: target.model }, target, clientHeaders);
      const chat = await adapter.chat(toChatRequest(request, target.model), target);
      checkChatAnswerShape(chat, target);
      return toAnthropicResponse(chat, messageIdOf(chat.id, scope.requestId));
    });
    noteJsonSuccess(scope.state, toChatUsage(result.value.usage ?? {}));
    if (scope.state.content) captureOutput(scope.state.content, { role: 'assistant', content: result.value.content }, result.value.stop_reason);
    ctx.set('request-id', scope.requestId);
    ctx.body = result.value;
  } catch (error) {
    respondWithAnthropicError(ctx, failDropIn(deps, scope, error));
  }
}
