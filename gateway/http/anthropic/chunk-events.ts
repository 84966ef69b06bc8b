import type { ChatChunk, FinishReason, Usage } from '../../providers/chat-types.js';
import type { AnthropicStreamEvent } from '../../providers/anthropic/types.js';
import { toAnthropicUsage, toStopReason } from './from-chat-response.js';

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

/**
 * Turns a chat chunk stream into Anthropic's event sequence: message_start, then for each
 * text run or tool call a content_block_start / _delta... / _stop, then message_delta (stop
 * reason and usage) and message_stop. Usage arrives last in OpenAI streams, so the closing
 * events wait for `finish()`.
 */
export class ChunkEventTranslator {
  private started = false;
  private open: OpenBlock | undefined;
  private nextBlockIndex = 0;
  private readonly blockByTool = new Map<number, number>();
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;

  constructor(
    private readonly messageId: string,
    private readonly model: string,
  ) {}

  /** The events one chunk produces (possibly none). */
  push(chunk: ChatChunk): AnthropicStreamEvent[] {
    const events = this.ensureStarted(chunk.model);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return events;
    const delta = choice.delta;
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') events.push(...this.openBlock({ kind: 'text', index: this.nextBlockIndex }));
      events.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text: delta.content } });
    }
    for (const call of delta.tool_calls ?? []) {
      let blockIndex = this.blockByTool.get(call.index);
      if (blockIndex === undefined) {
        blockIndex = this.nextBlockIndex;
        this.blockByTool.set(call.index, blockIndex);
        events.push(
          ...this.openBlock(
            { kind: 'tool', index: blockIndex, toolIndex: call.index },
            {
              type: 'tool_use',
              id: call.id ?? `toolu_${this.messageId}_${call.index}`,
              name: call.function?.name ?? '',
              input: {},
            },
          ),
        );
      }
      const fragment = call.function?.arguments;
      if (fragment) events.push({ type: 'content_block_delta', index: blockIndex, delta: { type: 'input_json_delta', partial_json: fragment } });
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return events;
  }

  /** The closing events, once the chunk stream ended normally. */
  finish(): AnthropicStreamEvent[] {
    const events = this.ensureStarted(this.model);
    events.push(...this.closeBlock());
    const usage = toAnthropicUsage(this.usage);
    events.push({
      type: 'message_delta',
      delta: { stop_reason: toStopReason(this.finishReason ?? undefined), stop_sequence: null },
      usage: { ...usage },
    });
    events.push({ type: 'message_stop' });
    return events;
  }

  private ensureStarted(model: string): AnthropicStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    return [
      {
        type: 'message_start',
        message: {
          id: this.messageId,
          type: 'message',
          role: 'assistant',
          model: model || this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ];
  }

  private openBlock(block: OpenBlock, toolUse?: { type: 'tool_use'; id: string; name: string; input: object }): AnthropicStreamEvent[] {
    const events = this.closeBlock();
    this.open = block;
    this.nextBlockIndex = block.index + 1;
    events.push({ type: 'content_block_start', index: block.index, content_block: toolUse ?? { type: 'text', text: '' } });
    return events;
  }

  private closeBlock(): AnthropicStreamEvent[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = undefined;
    return [{ type: 'content_block_stop', index }];
  }
}
