import type { ChatRequest } from '../chat-types.js';
import { streamUsageOptionsOf } from '../shared/stream-usage.js';
import { unreadableAnswer } from '../shared/unreadable-answer.js';
import type { ProviderAdapter, UpstreamTarget } from '../types.js';
import { ANTHROPIC_DEFAULT_BASE_URL } from './endpoint.js';
import { openAnthropicStream, sendAnthropicMessage } from './native.js';
import { toAnthropicRequest } from './request.js';
import { toChatResponse } from './response.js';
import { translateAnthropicStream } from './stream.js';

/** The anthropic provider: chat over the Messages API, JSON and streaming; takes Messages bodies natively. */
export const anthropicAdapter: ProviderAdapter = {
  protocol: 'anthropic',
  defaultBaseUrl: () => ANTHROPIC_DEFAULT_BASE_URL,
  async chat(request: ChatRequest, target: UpstreamTarget) {
    const response = await sendAnthropicMessage(toAnthropicRequest(request, target.model), target);
    if (!Array.isArray(response.content)) throw unreadableAnswer(target, 'no content array');
    return toChatResponse(response);
  },
  async chatStream(request: ChatRequest, target: UpstreamTarget) {
    const events = await openAnthropicStream(toAnthropicRequest(request, target.model), target);
    return translateAnthropicStream(events, target, streamUsageOptionsOf(request));
  },
  capabilities: { native: { anthropic: { send: sendAnthropicMessage, stream: openAnthropicStream } } },
};
