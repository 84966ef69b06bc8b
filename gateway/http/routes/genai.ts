import type { RouteTable } from '../route-table.js';
import type { Context } from 'koa';
import { GatewayError } from '../../core/errors.js';
import { toUsage } from '../../providers/gemini/response.js';
import type { GeminiRequest, GeminiResponse } from '../../providers/gemini/wire-types.js';
import type { AppDeps } from '../app-deps.js';
import { checkChatAnswerShape } from '../chat-answer-shape.js';
import { failDropIn } from '../fail-drop-in.js';
import { toGeminiEvents } from '../genai/chunk-translator.js';
import { respondWithGeminiError } from '../genai/errors.js';
import { toGeminiResponse } from '../genai/from-chat-response.js';
import { parseGenaiModelPath } from '../genai/model-path.js';
import { sendGeminiStream } from '../genai/send-stream.js';
import { toChatRequest } from '../genai/to-chat-request.js';
import { captureOutput, captureRequest } from '../../request-log/capture-content.js';
import { noteRequested } from '../../request/request-state.js';
import { validateGenaiBody } from '../validate/genai-body.js';
import { beginInference, dispatchInference, noteJsonSuccess, readFallbacks, readInferenceBody, toUpstreamBody } from '../inference.js';

/**
 * POST /genai/v1beta/models/{model}:generateContent and :streamGenerateContent: Gemini's own
 * API, so a Gemini client works with its base URL set to `http://host/genai`. Providers
 * speaking Gemini's protocol (gemini, vertex) get the client's body as is; any other
 * `provider/model` is reached through the chat shape. Errors keep Google's shape.
 */
export function registerGenaiRoutes(router: RouteTable, deps: AppDeps): void {
  const handler = (ctx: Context): Promise<void> => handleGenerate(ctx, deps);
  router.post('/genai/v1beta/models/*rest', handler);
  router.post('/genai/v1/models/*rest', handler);
}

async function handleGenerate(ctx: Context, deps: AppDeps): Promise<void> {
  const scope = beginInference(ctx, deps);
  try {
    const { model, action } = parseGenaiModelPath((ctx.params as Record<string, string | string[] | undefined>).rest);
    const slash = model.indexOf('/');
    noteRequested(scope.state, model.slice(0, slash), model.slice(slash + 1));
    const body = await readInferenceBody(ctx, deps, scope);
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      throw new GatewayError('invalid_request', '* GenerateContentRequest.contents: contents is not specified', { param: 'contents' });
    }
    validateGenaiBody(body);
    const fallbacks = readFallbacks(body);
    if (scope.state.content) captureRequest(scope.state.content, body);
    const request = toUpstreamBody<GeminiRequest>(body);

    if (action === 'streamGenerateContent') {
      const framing = ctx.query.alt === 'sse' ? 'sse' : 'json-array';
      const result = await dispatchInference(deps, scope, { model, fallbacks, capability: 'chat', stream: true }, async (adapter, target) => {
        const native = adapter.capabilities.native?.gemini;
        if (native) return native.stream(request, target);
        const chunks = await adapter.chatStream(toChatRequest(request, target.model, true), target);
        return toGeminiEvents(chunks, target.model);
      });
      await sendGeminiStream(ctx, deps, scope, result, framing);
      return;
    }

    const result = await dispatchInference(deps, scope, { model, fallbacks, capability: 'chat' }, async (adapter, target): Promise<GeminiResponse> => {
      const native = adapter.capabilities.native?.gemini;
      if (native) return native.generate(request, target);
      const chat = await adapter.chat(toChatRequest(request, target.model, false), target);
      checkChatAnswerShape(chat, target);
      return toGeminiResponse(chat);
    });
    noteJsonSuccess(scope.state, toUsage(result.value.usageMetadata));
    if (scope.state.content) captureOutput(scope.state.content, result.value.candidates?.[0]?.content, result.value.candidates?.[0]?.finishReason);
    ctx.body = result.value;
  } catch (error) {
    respondWithGeminiError(ctx, failDropIn(deps, scope, error));
  }
}
