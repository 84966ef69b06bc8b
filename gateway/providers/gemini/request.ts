import { GatewayError } from '../../core/errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../chat-types.js';
import { definedFields, jsonOutputOf, maxOutputTokensOf, numberField, stopSequencesOf, stringField, toolChoiceOf } from '../shared/request-fields.js';
import { toGeminiPart } from './content-parts.js';
import { splitToolCallId } from './response.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest, GeminiTool, GeminiToolConfig } from './wire-types.js';

/**
 * Translates the node's chat request into a Gemini `generateContent` body: system and
 * developer messages become `systemInstruction`, assistant turns `model`, tool results
 * `functionResponse` parts (named after the call they answer), sampling options
 * `generationConfig`, tools `functionDeclarations` (their JSON Schema untouched).
 */
export function toGeminiRequest(request: ChatRequest): GeminiRequest {
  const systemParts: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();

  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        systemParts.push(...textParts(message));
        break;
      case 'user':
        appendContent(contents, 'user', contentParts(message));
        break;
      case 'assistant':
        appendContent(contents, 'model', assistantParts(message, callNames));
        break;
      case 'tool':
        appendContent(contents, 'user', [functionResponsePart(message, callNames)]);
        break;
      default:
        throw new GatewayError('invalid_request', `unknown message role "${String(message.role)}"`, { param: 'messages' });
    }
  }
  if (contents.length === 0) {
    throw new GatewayError('invalid_request', 'messages must contain at least one user or assistant message', {
      param: 'messages',
    });
  }

  const body: GeminiRequest = { contents };
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts };
  const generationConfig = toGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (request.tools && request.tools.length > 0) body.tools = toGeminiTools(request.tools);
  const toolConfig = toToolConfig(toolChoiceOf(request));
  if (toolConfig) body.toolConfig = toolConfig;
  return body;
}

// Gemini rejects two consecutive turns of one role less often than it misreads them;
// merging keeps several tool results (or a result plus a user note) in one turn.
function appendContent(contents: GeminiContent[], role: string, parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function textParts(message: ChatMessage): GeminiPart[] {
  return contentParts(message).filter((part) => part.text !== undefined);
}

function contentParts(message: ChatMessage): GeminiPart[] {
  const content = message.content;
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) {
    throw new GatewayError('invalid_request', 'message content must be a string or an array of parts', { param: 'messages' });
  }
  return (content as ContentPart[]).map(toGeminiPart);
}

function assistantParts(message: ChatMessage, callNames: Map<string, string>): GeminiPart[] {
  const parts = contentParts(message);
  for (const call of message.tool_calls ?? []) {
    callNames.set(call.id, call.function.name);
    const { thoughtSignature } = splitToolCallId(call.id);
    parts.push({
      functionCall: { name: call.function.name, args: parseArguments(call.function.arguments) },
      ...(thoughtSignature ? { thoughtSignature } : {}),
    });
  }
  return parts;
}

function parseArguments(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Falls through to the error below.
  }
  throw new GatewayError('invalid_request', 'tool_calls[].function.arguments must be a JSON object', { param: 'messages' });
}

function functionResponsePart(message: ChatMessage, callNames: Map<string, string>): GeminiPart {
  const id = message.tool_call_id;
  const name = (id !== undefined ? callNames.get(id) : undefined) ?? (typeof message.name === 'string' ? message.name : undefined);
  if (name === undefined) {
    throw new GatewayError('invalid_request', `tool message answers tool_call_id "${id ?? ''}", which no earlier assistant message made`, {
      param: 'messages',
    });
  }
  const text =
    typeof message.content === 'string'
      ? message.content
      : (message.content ?? []).map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
  return { functionResponse: { name, response: toResponseObject(text) } };
}

// Gemini's `response` is a JSON object; a tool's plain-text output is wrapped.
function toResponseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { content: parsed };
  } catch {
    return { content: text };
  }
}

function toGenerationConfig(request: ChatRequest): GeminiGenerationConfig {
  const n = numberField(request.n);
  const stop = stopSequencesOf(request);
  const json = jsonOutputOf(request);
  return definedFields({
    maxOutputTokens: maxOutputTokensOf(request),
    temperature: numberField(request.temperature),
    topP: numberField(request.top_p),
    candidateCount: n !== 1 ? n : undefined,
    stopSequences: stop && stop.length > 0 ? stop : undefined,
    responseMimeType: json ? 'application/json' : undefined,
    responseJsonSchema: json?.schema,
  });
}

// `parametersJsonSchema` takes JSON Schema as it is (zod, pydantic and MCP schemas use `$ref`,
// `const`, type arrays...), where `parameters` is an OpenAPI subset that refuses much of it.
// A top-level `$schema` stays too: the "Unknown name \"$schema\"" 400s clients meet come from the
// `parameters` Schema message; `parametersJsonSchema` is a free JSON value, and Google's own SDK
// (js-genai mcpToGeminiTool) sends MCP input schemas, `$schema` and all, to it untouched.
function toGeminiTools(tools: ToolDefinition[]): GeminiTool[] {
  const functionDeclarations = tools
    .filter((tool) => tool.type === 'function')
    .map((tool) => {
      const description = stringField(tool.function.description);
      return {
        name: tool.function.name,
        ...(description !== undefined ? { description } : {}),
        // null is "no parameters", as OpenAI reads it.
        ...(tool.function.parameters ? { parametersJsonSchema: tool.function.parameters } : {}),
      };
    });
  return functionDeclarations.length > 0 ? [{ functionDeclarations }] : [];
}

function toToolConfig(choice: ChatRequest['tool_choice']): GeminiToolConfig | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object' && choice.type === 'function') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  return undefined;
}
