import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, FinishReason } from '../chat-types.js';
import { parseEventJson, type SseEvent } from '../shared/sse.js';
import { closingChunks, type StreamUsageOptions } from '../shared/stream-usage.js';
import { redactText } from '../../security/secret-redaction.js';
import type { UpstreamTarget } from '../types.js';
import { EMPTY_TOOL_ARGUMENTS, ToolsAwaitingArguments } from '../shared/tool-arguments.js';
import { toChatUsage, toFinishReason } from './response.js';
import type { CohereStreamEvent } from './types.js';

/**
 * Translates Cohere's v2 stream events into chat chunks: message-start opens the message,
 * content-delta carries text, tool-call-start/-delta build tool calls (tool-call-end gives one
 * that got no argument text "{}"), message-end carries the finish reason and usage (sent as
 * `options` ask, see closingChunks). A message-end that reports ERROR is thrown as a GatewayError.
 */
export async function* translateCohereStream(events: AsyncIterable<SseEvent>, target: UpstreamTarget, options: StreamUsageOptions): AsyncGenerator<ChatChunk> {
  let id = '';
  const created = Math.floor(Date.now() / 1000);
  const toolIndexByEvent = new Map<number, number>();
  const toolsAwaitingArguments = new ToolsAwaitingArguments();

  const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: FinishReason = null): ChatChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: target.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  // Cohere numbers a call's events; without a number, an event is the latest call's.
  const eventIndexOf = (event: CohereStreamEvent): number => event.index ?? toolIndexByEvent.size - 1;
  const argumentsChunk = (toolIndex: number, text: string): ChatChunk => chunk({ tool_calls: [{ index: toolIndex, function: { arguments: text } }] });

  for await (const raw of events) {
    const event = parseEvent(raw, target);
    if (event === undefined) continue;
    const message = event.delta?.message;
    switch (event.type) {
      case 'message-start':
        id = event.id ?? id;
        yield chunk({ role: 'assistant', content: '' });
        break;
      case 'content-delta':
        if (message?.content?.text) yield chunk({ content: message.content.text });
        break;
      case 'tool-call-start': {
        const call = message?.tool_calls;
        const toolIndex = toolIndexByEvent.size;
        const eventIndex = event.index ?? toolIndex;
        toolIndexByEvent.set(eventIndex, toolIndex);
        if (!call?.function?.arguments) toolsAwaitingArguments.open(eventIndex, toolIndex);
        yield chunk({
          tool_calls: [
            {
              index: toolIndex,
              id: call?.id ?? `call_${toolIndex}`,
              type: 'function',
              function: { name: call?.function?.name ?? '', arguments: call?.function?.arguments ?? '' },
            },
          ],
        });
        break;
      }
      case 'tool-call-delta': {
        const eventIndex = eventIndexOf(event);
        const toolIndex = toolIndexByEvent.get(eventIndex);
        const fragment = message?.tool_calls?.function?.arguments;
        if (toolIndex === undefined || !fragment) break;
        toolsAwaitingArguments.fed(eventIndex);
        yield argumentsChunk(toolIndex, fragment);
        break;
      }
      case 'tool-call-end': {
        const toolIndex = toolsAwaitingArguments.close(eventIndexOf(event));
        if (toolIndex !== undefined) yield argumentsChunk(toolIndex, EMPTY_TOOL_ARGUMENTS);
        break;
      }
      case 'message-end': {
        const reason = event.delta?.finish_reason;
        if (reason === 'ERROR' || reason === 'TIMEOUT') {
          throw new GatewayError('upstream_error', redactText(event.delta?.error ?? `cohere stream ended with ${reason}`), {
            status: reason === 'TIMEOUT' ? 504 : 500,
            provider: target.provider.name,
            model: target.model,
            fromProvider: true,
          });
        }
        // A call whose tool-call-end never came still gets JSON arguments before the finish.
        for (const toolIndex of toolsAwaitingArguments.closeAll()) yield argumentsChunk(toolIndex, EMPTY_TOOL_ARGUMENTS);
        yield* closingChunks(chunk({}, toFinishReason(reason) ?? 'stop'), toChatUsage(event.delta?.usage), options);
        return;
      }
      default:
        // content-start/-end, tool-plan-delta, citation-* carry nothing to translate.
        break;
    }
  }
  throw new GatewayError('upstream_bad_response', `${target.provider.name} ended the stream before message-end`, {
    provider: target.provider.name,
    model: target.model,
  });
}

function parseEvent(raw: SseEvent, target: UpstreamTarget): CohereStreamEvent | undefined {
  if (raw.data === '' || raw.data === '[DONE]') return undefined;
  const parsed = parseEventJson(raw.data, target) as CohereStreamEvent;
  // The SSE event name and the body's `type` agree; fall back to the name if the body lacks one.
  if (typeof parsed.type !== 'string' && raw.event) parsed.type = raw.event;
  return parsed;
}
