import {
  checkOptionalBoolean,
  checkOptionalNumber,
  checkOptionalObject,
  checkOptionalString,
  checkOptionalStringArray,
  checkStreamFlag,
  checkString,
  invalidField,
  isAbsent,
  requireArray,
  requireObject,
  type JsonObject,
} from './field-checks.js';

/**
 * Checks an Anthropic Messages body before any upstream work: what Anthropic requires, and
 * the type of every field the translation to the chat shape reads, so that `content: 5` or
 * `messages: [null]` is a 400 naming the field (in Anthropic's `messages.0.content` style)
 * rather than a crash. Block types the node does not know pass with only their `type` checked.
 */
export function validateAnthropicBody(body: JsonObject): void {
  checkStreamFlag(body);
  const messages = requireArray(body.messages, 'messages');
  if (messages.length === 0) throw invalidField('messages', 'a non-empty array');
  messages.forEach((message, index) => checkMessage(message, `messages.${index}`));
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    throw invalidField('max_tokens', 'a positive integer');
  }
  checkSystem(body.system);
  for (const field of ['temperature', 'top_p', 'top_k']) checkOptionalNumber(body[field], field);
  checkOptionalStringArray(body.stop_sequences, (index) => `stop_sequences.${index}`, 'stop_sequences');
  if (!isAbsent(body.metadata)) checkOptionalString(requireObject(body.metadata, 'metadata').user_id, 'metadata.user_id');
  if (!isAbsent(body.tools)) requireArray(body.tools, 'tools').forEach((tool, index) => checkTool(tool, `tools.${index}`));
  if (body.tool_choice !== undefined) checkToolChoice(body.tool_choice);
}

function checkMessage(value: unknown, path: string): void {
  const message = requireObject(value, path);
  if (message.role !== 'user' && message.role !== 'assistant') throw invalidField(`${path}.role`, '"user" or "assistant"');
  checkBlocks(message.content, `${path}.content`);
}

/** A string, or an array of content blocks. */
function checkBlocks(content: unknown, path: string): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalidField(path, 'a string or an array of content blocks');
  content.forEach((block, index) => checkBlock(block, `${path}.${index}`));
}

function checkBlock(value: unknown, path: string): void {
  const block = requireObject(value, path);
  checkString(block.type, `${path}.type`);
  switch (block.type) {
    case 'text':
      checkString(block.text, `${path}.text`);
      break;
    case 'image':
      checkImageSource(block.source, `${path}.source`);
      break;
    case 'tool_use':
      checkString(block.id, `${path}.id`);
      checkString(block.name, `${path}.name`);
      break;
    case 'tool_result':
      checkString(block.tool_use_id, `${path}.tool_use_id`);
      if (!isAbsent(block.content)) checkBlocks(block.content, `${path}.content`);
      checkOptionalBoolean(block.is_error, `${path}.is_error`);
      break;
  }
}

function checkImageSource(value: unknown, path: string): void {
  const source = requireObject(value, path);
  checkString(source.type, `${path}.type`);
  if (source.type === 'base64') {
    checkString(source.media_type, `${path}.media_type`);
    checkString(source.data, `${path}.data`);
  } else if (source.type === 'url') {
    checkString(source.url, `${path}.url`);
  }
}

function checkSystem(system: unknown): void {
  if (system === undefined || typeof system === 'string') return;
  if (!Array.isArray(system)) throw invalidField('system', 'a string or an array of text blocks');
  system.forEach((value, index) => {
    const block = requireObject(value, `system.${index}`);
    checkString(block.text, `system.${index}.text`);
  });
}

function checkTool(value: unknown, path: string): void {
  const tool = requireObject(value, path);
  checkString(tool.name, `${path}.name`);
  checkOptionalString(tool.type, `${path}.type`);
  checkOptionalString(tool.description, `${path}.description`);
  // Server tools (web search, ...) have no input_schema; the translation refuses them by name.
  checkOptionalObject(tool.input_schema, `${path}.input_schema`);
}

function checkToolChoice(value: unknown): void {
  const choice = requireObject(value, 'tool_choice');
  checkString(choice.type, 'tool_choice.type');
  if (choice.type === 'tool') checkString(choice.name, 'tool_choice.name');
  checkOptionalBoolean(choice.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use');
}
