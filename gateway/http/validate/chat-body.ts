import {
  checkOptionalBoolean,
  checkOptionalNumber,
  checkOptionalObject,
  checkOptionalString,
  checkStreamFlag,
  checkString,
  invalidField,
  isAbsent,
  isObject,
  requireArray,
  requireObject,
  type JsonObject,
} from './field-checks.js';

const NUMBER_FIELDS = ['max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'top_k', 'seed', 'frequency_penalty', 'presence_penalty'];

/**
 * Checks the fields of an OpenAI chat completion body that the node or a provider's
 * translator reads, so that a malformed one (`messages: [null]`, `content: 5`) is a 400
 * naming it instead of a translator crash. Fields nobody reads pass unchecked; JSON null
 * counts as absent for optional fields, as OpenAI's API treats it.
 */
export function validateChatBody(body: JsonObject): void {
  checkStreamFlag(body);
  checkOptionalObject(body.stream_options, 'stream_options');
  const messages = requireArray(body.messages, 'messages');
  if (messages.length === 0) throw invalidField('messages', 'a non-empty array of chat messages');
  messages.forEach((message, index) => checkMessage(message, `messages[${index}]`));
  for (const field of NUMBER_FIELDS) checkOptionalNumber(body[field], field);
  checkStop(body.stop);
  checkOptionalString(body.user, 'user');
  checkOptionalObject(body.response_format, 'response_format');
  checkOptionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  if (!isAbsent(body.tools)) requireArray(body.tools, 'tools').forEach((tool, index) => checkTool(tool, `tools[${index}]`));
  checkToolChoice(body.tool_choice);
}

function checkMessage(value: unknown, path: string): void {
  const message = requireObject(value, path);
  checkString(message.role, `${path}.role`);
  checkContent(message.content, `${path}.content`);
  checkOptionalString(message.name, `${path}.name`);
  checkOptionalString(message.tool_call_id, `${path}.tool_call_id`);
  if (!isAbsent(message.tool_calls)) {
    requireArray(message.tool_calls, `${path}.tool_calls`).forEach((call, index) => checkToolCall(call, `${path}.tool_calls[${index}]`));
  }
}

function checkContent(content: unknown, path: string): void {
  if (isAbsent(content) || typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalidField(path, 'a string, null or an array of content parts');
  content.forEach((value, index) => {
    const partPath = `${path}[${index}]`;
    const part = requireObject(value, partPath);
    checkString(part.type, `${partPath}.type`);
    if (part.type === 'text') checkString(part.text, `${partPath}.text`);
    // Bifrost and several SDKs also accept `image_url` as a bare string.
    if (part.type === 'image_url' && typeof part.image_url !== 'string')
      checkString(requireObject(part.image_url, `${partPath}.image_url`).url, `${partPath}.image_url.url`);
  });
}

function checkToolCall(value: unknown, path: string): void {
  const call = requireObject(value, path);
  checkString(call.id, `${path}.id`);
  const fn = requireObject(call.function, `${path}.function`);
  checkString(fn.name, `${path}.function.name`);
  checkString(fn.arguments, `${path}.function.arguments`);
}

function checkTool(value: unknown, path: string): void {
  const tool = requireObject(value, path);
  checkString(tool.type, `${path}.type`);
  // Other tool types (OpenAI's "custom") carry no `function`; a provider that cannot take them refuses them itself.
  if (tool.type !== 'function' && tool.function === undefined) return;
  const fn = requireObject(tool.function, `${path}.function`);
  checkString(fn.name, `${path}.function.name`);
  checkOptionalString(fn.description, `${path}.function.description`);
  checkOptionalObject(fn.parameters, `${path}.function.parameters`);
}

const TOOL_CHOICE_MODES = new Set(['none', 'auto', 'required']);

function checkToolChoice(choice: unknown): void {
  if (choice === undefined) return;
  if (typeof choice === 'string') {
    if (!TOOL_CHOICE_MODES.has(choice)) throw invalidField('tool_choice', '"none", "auto", "required" or an object');
    return;
  }
  if (!isObject(choice)) throw invalidField('tool_choice', '"none", "auto", "required" or an object');
  checkString(choice.type, 'tool_choice.type');
  if (choice.type !== 'function' && choice.function === undefined) return;
  checkString(requireObject(choice.function, 'tool_choice.function').name, 'tool_choice.function.name');
}

function checkStop(stop: unknown): void {
  if (isAbsent(stop) || typeof stop === 'string') return;
  if (!Array.isArray(stop)) throw invalidField('stop', 'a string or an array of strings');
  stop.forEach((item, index) => checkString(item, `stop[${index}]`));
}
