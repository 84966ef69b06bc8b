import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, FinishReason, ToolCallDelta } from '../chat-types.js';
import { parseEventJson, type SseEvent } from '../shared/sse.js';
import { closingChunks, type StreamUsageOptions } from '../shared/stream-usage.js';
import { EMPTY_TOOL_ARGUMENTS, ToolsAwaitingArguments } from '../shared/tool-arguments.js';
import type { UpstreamTarget } from '../types.js';
import { streamErrorToGatewayError } from './errors.js';
import { toChatUsage, toFinishReason } from './response.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './types.js';

/**
 * Translates Anthropic's stream events into chat chunks: message_start opens the message
 * (role chunk), text and tool-input deltas become content and tool_call deltas (a tool call
 * that streamed no input gets "{}" at its block's end), message_delta carries the finish
 * reason and the final usage (sent as `options` ask, see closingChunks), and an `error` event
 * is thrown as a GatewayError with Anthropic's status.
 */
export async function* translateAnthropicStream(
  events: AsyncIterable<SseEvent>,
  target: UpstreamTarget,
  options: StreamUsageOptions,
): AsyncGenerator<ChatChunk> {
  let id = '';
  let model = target.model;
  const created = Math.floor(Date.now() / 1000);
  let usage: Partial<AnthropicUsage> = {};
  // Anthropic numbers every content block; OpenAI numbers tool calls only.
  const toolIndexByBlock = new Map<number, number>();
  // tool_use blocks with no argument text yet: a call without arguments streams none (or one empty delta).
  const toolsAwaitingArguments = new ToolsAwaitingArguments();
  let finish: FinishReason = null;

  const chunk = (delta: ChatChunk['choices'][number]['delta'], finishReason: FinishReason = null): ChatChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  for await (const raw of events) {
    const event = parseEvent(raw, target);
    if (event === undefined) continue;
    switch (event.type) {
      case 'message_start':
        id = event.message.id;
        model = event.message.model ?? model;
        usage = { ...event.message.usage };
        yield chunk({ role: 'assistant', content: '' });
        break;
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'tool_use') {
          const toolIndex = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, toolIndex);
          toolsAwaitingArguments.open(event.index, toolIndex);
          const call: ToolCallDelta = { index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } };
          yield chunk({ tool_calls: [call] });
        } else if (block.type === 'text' && block.text !== '') {
          yield chunk({ content: block.text });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta.type === 'text_delta') {
          yield chunk({ content: delta.text });
        } else if (delta.type === 'input_json_delta') {
          const toolIndex = toolIndexByBlock.get(event.index);
          if (toolIndex !== undefined && delta.partial_json !== '') {
            toolsAwaitingArguments.fed(event.index);
            yield chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] });
          }
        }
        break;
      }
      case 'content_block_stop': {
        const toolIndex = toolsAwaitingArguments.close(event.index);
        if (toolIndex !== undefined) yield chunk({ tool_calls: [{ index: toolIndex, function: { arguments: EMPTY_TOOL_ARGUMENTS } }] });
        break;
      }
      case 'message_delta':
        usage = { ...usage, ...definedFields(event.usage) };
        finish = toFinishReason(event.delta.stop_reason);
        break;
      case 'message_stop':
        yield* closingChunks(chunk({}, finish ?? 'stop'), toChatUsage(usage), options);
        return;
      case 'error':
        throw streamErrorToGatewayError(event, target);
      default:
        // ping and event types added later carry nothing to translate.
        break;
    }
  }
  throw new GatewayError('upstream_bad_response', `${target.provider.name} ended the stream before message_stop`, {
    provider: target.provider.name,
    model: target.model,
  });
}

function parseEvent(raw: SseEvent, target: UpstreamTarget): AnthropicStreamEvent | undefined {
  if (raw.data === '') return undefined;
  return parseEventJson(raw.data, target) as AnthropicStreamEvent;
}

/** message_delta repeats usage fields as null when unchanged; keep the earlier values then. */
function definedFields(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  const out: Partial<AnthropicUsage> = {};
  for (const [field, value] of Object.entries(usage ?? {})) {
    if (value !== null && value !== undefined) out[field] = value;
  }
  return out;
}
