import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ContentPart, ToolCall } from '../chat-types.js';
import type { ConverseContentBlock, ConverseMessage } from './wire-types.js';

/** The conversation in Converse's shape: system prompts apart, user/assistant turns alternating. */
export interface TranslatedConversation {
  system: { text: string }[];
  messages: ConverseMessage[];
  /** True when a turn carries toolUse or toolResult blocks (Converse then requires toolConfig). */
  usesTools: boolean;
}

const IMAGE_FORMATS: Record<string, 'png' | 'jpeg' | 'gif' | 'webp'> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

/** `data:image/png;base64,...` -> a Converse image block (Converse takes bytes, not URLs). */
export function imageBlockFromUrl(url: string): ConverseContentBlock {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) {
    throw invalid('bedrock accepts images only as base64 data URLs (data:image/png;base64,...), not remote URLs');
  }
  const mime = (match[1] ?? '').toLowerCase();
  const format = IMAGE_FORMATS[mime];
  if (!format) throw invalid(`bedrock does not accept image type ${mime}; use png, jpeg, gif or webp`);
  return { image: { format, source: { bytes: match[2] ?? '' } } };
}

function textOf(content: ChatMessage['content']): string {
  // OpenAI lets an assistant message with tool calls leave content out.
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .filter((part): part is { type: 'text'; text: string } => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

function blocksOfParts(content: ChatMessage['content']): ConverseContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part: ContentPart): ConverseContentBlock => {
    if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
    if (part.type === 'image_url') {
      const image = part.image_url as { url?: unknown } | undefined;
      if (typeof image?.url !== 'string') throw invalid('image_url part needs image_url.url');
      return imageBlockFromUrl(image.url);
    }
    throw invalid(`bedrock does not support message parts of type ${part.type}`);
  });
}

function toolUseBlock(call: ToolCall): ConverseContentBlock {
  let input: unknown = {};
  const args = call.function.arguments;
  if (args && args.trim() !== '') {
    try {
      input = JSON.parse(args);
    } catch {
      throw invalid(`tool call ${call.id} has arguments that are not JSON`);
    }
  }
  return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
}

function blocksOf(message: ChatMessage): { role: 'user' | 'assistant'; blocks: ConverseContentBlock[] } {
  switch (message.role) {
    case 'user':
      return { role: 'user', blocks: blocksOfParts(message.content) };
    case 'assistant': {
      const blocks = blocksOfParts(message.content).filter((block) => !('text' in block) || block.text !== '');
      for (const call of message.tool_calls ?? []) blocks.push(toolUseBlock(call));
      return { role: 'assistant', blocks };
    }
    case 'tool': {
      if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
        throw invalid('a tool message needs tool_call_id');
      }
      return {
        role: 'user',
        blocks: [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text: textOf(message.content) }] } }],
      };
    }
    default:
      throw invalid(`bedrock does not support messages with role ${String(message.role)}`);
  }
}

/**
 * Splits system/developer messages into Converse's `system` blocks and merges consecutive
 * turns of the same role (tool results become user turns), since Converse wants the roles to
 * alternate.
 */
export function translateMessages(messages: readonly ChatMessage[]): TranslatedConversation {
  const system: { text: string }[] = [];
  const out: ConverseMessage[] = [];
  let usesTools = false;
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOf(message.content);
      if (text !== '') system.push({ text });
      continue;
    }
    const { role, blocks } = blocksOf(message);
    if (blocks.some((block) => 'toolUse' in block || 'toolResult' in block)) usesTools = true;
    if (blocks.length === 0) continue;
    const previous = out[out.length - 1];
    if (previous && previous.role === role) previous.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  if (out.length === 0) throw invalid('bedrock needs at least one user message');
  requireAnsweredToolResults(out);
  return { system, messages: out, usesTools };
}

function toolUseIdsOf(message: ConverseMessage | undefined): Set<string> {
  const ids = new Set<string>();
  if (message?.role !== 'assistant') return ids;
  for (const block of message.content) if ('toolUse' in block) ids.add(block.toolUse.toolUseId);
  return ids;
}

/**
 * Converse refuses a toolResult that no toolUse of the turn right before it asked for ("The number
 * of toolResult blocks ... exceeds the number of toolUse blocks of previous turn"), whatever
 * toolConfig says, and OpenAI refuses the same history. A trimmed history that kept a tool message
 * but dropped the assistant message calling it gets a 400 that names the fix instead.
 */
function requireAnsweredToolResults(messages: readonly ConverseMessage[]): void {
  messages.forEach((message, position) => {
    const asked = toolUseIdsOf(messages[position - 1]);
    for (const block of message.content) {
      if (!('toolResult' in block) || asked.has(block.toolResult.toolUseId)) continue;
      throw invalid(
        `the tool message with tool_call_id "${block.toolResult.toolUseId}" answers no tool call of the assistant message right before it; ` +
          'bedrock needs that assistant message (with its tool_calls) in the history, or the tool message left out',
      );
    }
  });
}
