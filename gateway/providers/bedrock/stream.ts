import { GatewayError } from '../../core/errors.js';
import type { ChatChunk, FinishReason, ToolCallDelta, Usage } from '../chat-types.js';
import { closingChunks, type StreamUsageOptions } from '../shared/stream-usage.js';
import { EMPTY_TOOL_ARGUMENTS, ToolsAwaitingArguments } from '../shared/tool-arguments.js';
import type { UpstreamTarget } from '../types.js';
import { streamExceptionError } from './errors.js';
import type { EventStreamMessage } from './event-stream.js';
import { finishReasonOf, usageOf, type ResponseLabels } from './response.js';
import type { ConverseStreamPayloads } from './wire-types.js';

/**
 * Turns ConverseStream events into chat chunks: text deltas into content, toolUse blocks into
 * indexed tool-call deltas ("{}" at the block's end for one that streamed no input),
 * messageStop into finish_reason, metadata into usage. The finish chunk waits for metadata
 * (which follows messageStop) so it can carry usage; with `includeUsage` the usage goes in a
 * separate last chunk, as OpenAI sends it.
 */
export class ConverseStreamTranslator {
  private readonly toolIndexByBlock = new Map<number, number>();
  // toolUse blocks with no input text yet: a call without arguments streams none (or an empty one).
  private readonly toolsAwaitingArguments = new ToolsAwaitingArguments();
  private finishReason: FinishReason = null;
  private finished = false;

  constructor(
    private readonly labels: ResponseLabels,
    private readonly options: StreamUsageOptions,
    private readonly target: UpstreamTarget,
  ) {}

  private chunk(delta: ChatChunk['choices'][number]['delta'], finishReason: FinishReason = null): ChatChunk {
    return {
      id: this.labels.id,
      object: 'chat.completion.chunk',
      created: this.labels.created,
      model: this.labels.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
  }

  private toolDelta(call: ToolCallDelta): ChatChunk {
    return this.chunk({ tool_calls: [call] });
  }

  /** Chunks for one event; throws a GatewayError for an exception event. */
  translate(event: EventStreamMessage): ChatChunk[] {
    if (event.messageType !== 'event') throw streamExceptionError(event.name, event.payload, this.target);
    switch (event.name) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const payload = event.payload as ConverseStreamPayloads['contentBlockStart'];
        const toolUse = payload.start?.toolUse;
        if (!toolUse) return [];
        const index = this.toolIndexByBlock.size;
        const block = payload.contentBlockIndex ?? index;
        this.toolIndexByBlock.set(block, index);
        this.toolsAwaitingArguments.open(block, index);
        return [
          this.toolDelta({
            index,
            id: toolUse.toolUseId ?? `call_${index}`,
            type: 'function',
            function: { name: toolUse.name ?? '', arguments: '' },
          }),
        ];
      }
      case 'contentBlockDelta': {
        const payload = event.payload as ConverseStreamPayloads['contentBlockDelta'];
        const delta = payload.delta;
        if (typeof delta?.text === 'string') return delta.text === '' ? [] : [this.chunk({ content: delta.text })];
        if (typeof delta?.toolUse?.input === 'string') {
          const block = payload.contentBlockIndex ?? -1;
          const index = this.toolIndexByBlock.get(block);
          if (index === undefined) return [];
          if (delta.toolUse.input !== '') this.toolsAwaitingArguments.fed(block);
          return [this.toolDelta({ index, function: { arguments: delta.toolUse.input } })];
        }
        return [];
      }
      case 'contentBlockStop': {
        const block = (event.payload as ConverseStreamPayloads['contentBlockStop']).contentBlockIndex ?? -1;
        const index = this.toolsAwaitingArguments.close(block);
        return index === undefined ? [] : [this.toolDelta({ index, function: { arguments: EMPTY_TOOL_ARGUMENTS } })];
      }
      case 'messageStop': {
        const payload = event.payload as ConverseStreamPayloads['messageStop'];
        this.finishReason = finishReasonOf(payload.stopReason) ?? 'stop';
        return [];
      }
      case 'metadata': {
        const payload = event.payload as ConverseStreamPayloads['metadata'];
        return this.finish(usageOf(payload.usage));
      }
      default:
        return [];
    }
  }

  /** Whether messageStop has arrived. */
  get stopped(): boolean {
    return this.finishReason !== null;
  }

  /** The closing chunks: finish_reason (and usage). Empty once already sent, or if the model never stopped. */
  finish(usage?: Usage): ChatChunk[] {
    if (this.finished || (this.finishReason === null && usage === undefined)) return [];
    this.finished = true;
    return closingChunks(this.chunk({}, this.finishReason ?? 'stop'), usage, this.options);
  }
}

/** Translates a whole ConverseStream event sequence into chat chunks, as they arrive. */
export async function* translateConverseStream(
  events: AsyncIterable<EventStreamMessage>,
  translator: ConverseStreamTranslator,
  target: UpstreamTarget,
): AsyncGenerator<ChatChunk> {
  for await (const event of events) {
    for (const chunk of translator.translate(event)) yield chunk;
  }
  if (!translator.stopped) {
    throw new GatewayError('upstream_bad_response', 'bedrock ended the stream before messageStop', {
      provider: target.provider.name,
      model: target.model,
    });
  }
  for (const chunk of translator.finish()) yield chunk;
}
