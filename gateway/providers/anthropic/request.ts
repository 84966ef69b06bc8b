import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../chat-types.js';
import { forcedFunctionName, functionOf } from '../shared/function-tools.js';
import { maxOutputTokensOf, numberField, requireSingleChoice, stopSequencesOf, stringField, toolChoiceOf } from '../shared/request-fields.js';
import type {
  AnthropicContentBlock,
  AnthropicImageSource,
  AnthropicMessage,
  AnthropicOutputFormat,
  AnthropicRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from './types.js';

/** Anthropic requires `max_tokens`; this is used when the chat request gives none. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Translates a chat request into a Messages API request: system messages become `system`,
 * tool results become user `tool_result` blocks, consecutive same-role messages merge (tool
 * results of one turn must sit in one user message), `max_tokens` always gets a value, and a
 * `json_schema` response format becomes structured outputs (`output_config.format`).
 */
export function toAnthropicRequest(request: ChatRequest, model: string): AnthropicRequest {
  requireSingleChoice(request, 'anthropic');
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      system.push(textOf(message.content));
      continue;
    }
    const translated = translateMessage(message);
    const previous = messages[messages.length - 1];
    if (previous && previous.role === translated.role) {
      previous.content = [...asBlocks(previous.content), ...asBlocks(translated.content)];
    } else {
      messages.push(translated);
    }
  }

  const body: AnthropicRequest = {
    model,
    messages,
    max_tokens: maxOutputTokensOf(request) ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  const temperature = numberField(request.temperature);
  if (temperature !== undefined) body.temperature = temperature;
  const topP = numberField(request.top_p);
  if (topP !== undefined) body.top_p = topP;
  const topK = numberField(request.top_k);
  if (topK !== undefined) body.top_k = topK;
  const stop = stopSequencesOf(request);
  if (stop !== undefined) body.stop_sequences = stop;
  const user = stringField(request.user);
  if (user !== undefined) body.metadata = { user_id: user };
  const outputFormat = toOutputFormat(request.response_format);
  if (outputFormat) body.output_config = { format: outputFormat };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(toAnthropicTool);
    const choice = toAnthropicToolChoice(toolChoiceOf(request), request.parallel_tool_calls === false);
    if (choice) body.tool_choice = choice;
  }
  return body;
}

function translateMessage(message: ChatMessage): AnthropicMessage {
  if (message.role === 'tool') {
    if (!message.tool_call_id) {
      throw new GatewayError('invalid_request', 'a message with role "tool" needs a tool_call_id', { param: 'messages' });
    }
    return {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }],
    };
  }
  if (message.role === 'assistant') {
    const blocks: AnthropicContentBlock[] = [];
    const text = textOf(message.content);
    if (text !== '') blocks.push({ type: 'text', text });
    for (const call of message.tool_calls ?? []) {
      blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
    }
    return { role: 'assistant', content: blocks.length === 1 && blocks[0]?.type === 'text' ? text : blocks };
  }
  // An absent content (JSON gives undefined, whatever the type says) is an empty one.
  if (typeof message.content === 'string' || message.content === null || message.content === undefined) {
    return { role: 'user', content: message.content ?? '' };
  }
  return { role: 'user', content: message.content.map(toAnthropicBlock) };
}

function toAnthropicBlock(part: ContentPart): AnthropicContentBlock {
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.type === 'image_url') {
    const url = (part.image_url as { url?: unknown } | undefined)?.url;
    if (typeof url === 'string') return { type: 'image', source: imageSourceOf(url) };
  }
  throw new GatewayError('invalid_request', `content part of type "${part.type}" is not supported by anthropic`, {
    param: 'messages',
  });
}

/** Data URLs become base64 sources; anything else is fetched by Anthropic from its URL. */
function imageSourceOf(url: string): AnthropicImageSource {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) return { type: 'base64', media_type: match[1] as string, data: match[2] as string };
  if (url.startsWith('data:')) {
    throw new GatewayError('invalid_request', 'image data URLs must be base64-encoded', { param: 'messages' });
  }
  return { type: 'url', url };
}

function toAnthropicTool(tool: ToolDefinition): AnthropicTool {
  const fn = functionOf(tool, 'anthropic');
  const out: AnthropicTool = {
    name: fn.name,
    input_schema: fn.parameters ?? { type: 'object', properties: {} },
  };
  const description = stringField(fn.description);
  if (description !== undefined) out.description = description;
  return out;
}

/**
 * OpenAI's `json_schema` response format as Anthropic's structured outputs. `json_object` has no
 * counterpart (Anthropic has no schema-less JSON mode) and is left to the prompt, which OpenAI's
 * `json_object` requires to ask for JSON anyway.
 */
function toOutputFormat(format: ChatRequest['response_format']): AnthropicOutputFormat | undefined {
  if (format?.type !== 'json_schema') return undefined;
  const schema = (format.json_schema as { schema?: unknown } | null | undefined)?.schema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  return { type: 'json_schema', schema: schema as Record<string, unknown> };
}

function toAnthropicToolChoice(choice: ChatRequest['tool_choice'], noParallel: boolean): AnthropicToolChoice | undefined {
  const parallel = noParallel ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return noParallel ? { type: 'auto', ...parallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: forcedFunctionName(choice, 'anthropic'), ...parallel };
}

function parseArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', 'tool call arguments must be a JSON object', { param: 'messages' });
  }
}

/** The text of a message's content (parts joined); non-text parts are not allowed there. */
function textOf(content: ChatMessage['content']): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

function asBlocks(content: string | AnthropicContentBlock[]): AnthropicContentBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}
