import { GatewayError } from '../../core/errors.js';
import type { ChatRequest } from '../chat-types.js';
import { maxOutputTokensOf, numberField, requireSingleChoice, stopSequencesOf, toolChoiceOf } from '../shared/request-fields.js';
import { translateMessages } from './messages.js';
import type { ConverseMessage, ConverseRequest, ConverseTool, ConverseToolChoice } from './wire-types.js';

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

function converseToolChoiceOf(choice: ChatRequest['tool_choice']): ConverseToolChoice | undefined | 'none' {
  if (choice === undefined || choice === 'auto') return choice === 'auto' ? { auto: {} } : undefined;
  if (choice === 'none') return 'none';
  if (choice === 'required') return { any: {} };
  if (typeof choice === 'object' && choice.type === 'function' && typeof choice.function?.name === 'string') {
    return { tool: { name: choice.function.name } };
  }
  throw invalid('tool_choice must be "auto", "none", "required" or {type:"function",function:{name}}');
}

function toolsOf(request: ChatRequest): ConverseTool[] {
  return (request.tools ?? []).map((tool) => {
    if (tool.type !== 'function' || typeof tool.function?.name !== 'string') {
      throw invalid('bedrock supports only tools of type "function" with a name');
    }
    return {
      toolSpec: {
        name: tool.function.name,
        ...(tool.function.description ? { description: tool.function.description } : {}),
        inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      },
    };
  });
}

/** Translates a chat request into the body of Converse / ConverseStream. */
export function toConverseRequest(request: ChatRequest): ConverseRequest {
  requireSingleChoice(request, 'bedrock');
  const format = request.response_format?.type;
  if (format !== undefined && format !== 'text') throw invalid(`bedrock does not support response_format ${String(format)}`);

  const { system, messages, usesTools } = translateMessages(request.messages);
  const body: ConverseRequest = { messages };
  if (system.length > 0) body.system = system;

  const maxTokens = maxOutputTokensOf(request);
  const temperature = numberField(request.temperature);
  const topP = numberField(request.top_p);
  const stop = stopSequencesOf(request);
  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(stop !== undefined && stop.length > 0 ? { stopSequences: stop } : {}),
  };
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const toolConfig = toolConfigOf(request, messages, usesTools);
  if (toolConfig) body.toolConfig = toolConfig;
  return body;
}

/**
 * Converse's toolConfig. Converse refuses toolUse and toolResult blocks without one, so a
 * conversation whose earlier turns used tools always gets one: with "none" the request's tools
 * are declared without a toolChoice, and without tools the ones the history names are.
 */
function toolConfigOf(request: ChatRequest, messages: ConverseMessage[], usesTools: boolean): ConverseRequest['toolConfig'] {
  const tools = toolsOf(request);
  const choice = converseToolChoiceOf(toolChoiceOf(request));
  if (tools.length === 0) return usesTools ? historyToolConfig(messages) : undefined;
  if (choice === 'none' && !usesTools) return undefined;
  return { tools, ...(choice !== undefined && choice !== 'none' ? { toolChoice: choice } : {}) };
}

/** What a tool declared only for the history says about itself. */
export const HISTORY_ONLY_TOOL_DESCRIPTION = 'Declared only because earlier turns of this conversation used it; it is not available now.';

/**
 * A toolConfig declaring the tools the history's toolUse blocks name, with an open input schema
 * and no toolChoice (the request offered no tools: "none" semantics). A history with tool results
 * always names one here: translateMessages refuses a tool result no toolUse asked for.
 */
function historyToolConfig(messages: ConverseMessage[]): ConverseRequest['toolConfig'] {
  const names = new Set<string>();
  for (const message of messages) {
    for (const block of message.content) if ('toolUse' in block) names.add(block.toolUse.name);
  }
  if (names.size === 0) return undefined;
  const tools: ConverseTool[] = [...names].map((name) => ({
    toolSpec: { name, description: HISTORY_ONLY_TOOL_DESCRIPTION, inputSchema: { json: { type: 'object' } } },
  }));
  return { tools };
}
