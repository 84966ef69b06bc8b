import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolDefinition } from '../../providers/chat-types.js';
import { fromGeminiMediaPart } from '../../providers/gemini/content-parts.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiRequest, GeminiTool, GeminiToolConfig } from '../../providers/gemini/wire-types.js';

/**
 * A Gemini client's `generateContent` body in the node's chat shape, for providers that do
 * not speak Gemini: `systemInstruction` becomes a system message, `model` turns assistant
 * messages, functionCall parts tool calls (with ids) and functionResponse parts tool
 * messages answering the matching call.
 */
export function toChatRequest(body: GeminiRequest, model: string, stream: boolean): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = textOf(body.systemInstruction);
  if (system !== '') messages.push({ role: 'system', content: system });
  const calls = new CallLedger();
  for (const [index, content] of body.contents.entries()) {
    if (!content || !Array.isArray(content.parts)) {
      throw new GatewayError('invalid_request', `contents[${index}].parts must be an array`, { param: 'contents' });
    }
    if (content.role === 'model') messages.push(toAssistantMessage(content, calls));
    else messages.push(...toUserMessages(content, calls));
  }
  const request: ChatRequest = { model, messages, ...fromGenerationConfig(body.generationConfig) };
  const tools = fromTools(body.tools);
  if (tools.length > 0) request.tools = tools;
  const toolChoice = fromToolConfig(body.toolConfig);
  if (toolChoice !== undefined) request.tool_choice = toolChoice;
  if (stream) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  return request;
}

// Gemini pairs a functionResponse with its call by id when the client kept it, else by name
// in call order; the chat shape needs an explicit tool_call_id.
class CallLedger {
  private count = 0;
  private readonly pending: { id: string; name: string }[] = [];

  open(name: string, ownId: string | undefined): string {
    const id = ownId ?? `call_${++this.count}`;
    this.pending.push({ id, name });
    return id;
  }

  answer(name: string, ownId: string | undefined): string {
    const index = this.pending.findIndex((call) => (ownId !== undefined ? call.id === ownId : call.name === name));
    if (index < 0) {
      throw new GatewayError('invalid_request', `functionResponse "${name}" answers no earlier functionCall`, { param: 'contents' });
    }
    const [call] = this.pending.splice(index, 1);
    return (call as { id: string }).id;
  }
}

function textOf(content: GeminiContent | undefined): string {
  return (content?.parts ?? [])
    .map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function toAssistantMessage(content: GeminiContent, calls: CallLedger): ChatMessage {
  const toolCalls: ToolCall[] = [];
  let text = '';
  for (const part of content.parts) {
    if (part.thought === true) continue;
    if (typeof part.text === 'string') text += part.text;
    if (part.functionCall) {
      const { name, args, id } = part.functionCall;
      toolCalls.push({ id: calls.open(name, id), type: 'function', function: { name, arguments: JSON.stringify(args ?? {}) } });
    }
  }
  return { role: 'assistant', content: text === '' ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

function toUserMessages(content: GeminiContent, calls: CallLedger): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const texts: string[] = [];
  for (const part of content.parts) {
    if (part.functionResponse) {
      const { name, response, id } = part.functionResponse;
      messages.push({ role: 'tool', tool_call_id: calls.answer(name, id), content: JSON.stringify(response ?? {}) });
    } else if (typeof part.text === 'string') {
      if (part.thought !== true) {
        parts.push({ type: 'text', text: part.text });
        texts.push(part.text);
      }
    } else {
      const media = fromGeminiMediaPart(part);
      if (!media)
        throw new GatewayError('invalid_request', `a part with fields ${Object.keys(part).join(', ')} cannot be sent to this provider`, { param: 'contents' });
      parts.push(media);
    }
  }
  if (parts.length > 0) {
    const onlyText = texts.length === parts.length;
    messages.push({ role: 'user', content: onlyText ? texts.join('') : parts });
  }
  return messages;
}

function fromGenerationConfig(config: GeminiGenerationConfig | undefined): Partial<ChatRequest> {
  if (!config) return {};
  const out: Partial<ChatRequest> = {};
  if (typeof config.maxOutputTokens === 'number') out.max_tokens = config.maxOutputTokens;
  if (typeof config.temperature === 'number') out.temperature = config.temperature;
  if (typeof config.topP === 'number') out.top_p = config.topP;
  if (typeof config.candidateCount === 'number') out.n = config.candidateCount;
  if (Array.isArray(config.stopSequences) && config.stopSequences.length > 0) out.stop = config.stopSequences;
  if (config.responseMimeType === 'application/json') {
    const schema = config.responseJsonSchema ?? config.responseSchema;
    out.response_format =
      schema === undefined ? { type: 'json_object' } : { type: 'json_schema', json_schema: { name: 'response', schema: lowerTypes(schema) } };
  }
  return out;
}

function fromTools(tools: GeminiTool[] | undefined): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const tool of tools ?? []) {
    for (const declaration of tool.functionDeclarations ?? []) {
      const parameters = declaration.parametersJsonSchema ?? declaration.parameters;
      out.push({
        type: 'function',
        function: {
          name: declaration.name,
          ...(declaration.description !== undefined ? { description: declaration.description } : {}),
          ...(parameters !== undefined ? { parameters: lowerTypes(parameters) as Record<string, unknown> } : {}),
        },
      });
    }
  }
  return out;
}

// Gemini's schema enum spells types in capitals ("OBJECT"); JSON Schema wants "object".
function lowerTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === 'type' && typeof value === 'string' ? value.toLowerCase() : lowerTypes(value)]),
  );
}

function fromToolConfig(config: GeminiToolConfig | undefined): ChatRequest['tool_choice'] {
  const calling = config?.functionCallingConfig;
  if (!calling?.mode) return undefined;
  if (calling.mode === 'NONE') return 'none';
  if (calling.mode === 'ANY') {
    const names = calling.allowedFunctionNames ?? [];
    return names.length === 1 ? { type: 'function', function: { name: names[0] as string } } : 'required';
  }
  return 'auto';
}
