import { GatewayError } from '../../core/errors.js';
import type { ChatRequest, ToolDefinition } from '../chat-types.js';

/**
 * Guards for translators of providers that only know function tools: OpenAI also has other
 * kinds (`custom` tools, `allowed_tools` choices) that carry no `function`, which a
 * translator reading `tool.function.name` would crash on. They are refused with a 400 instead.
 */

/** The tool's function, or a 400 when the tool is of another kind. */
export function functionOf(tool: ToolDefinition, provider: string): ToolDefinition['function'] {
  const fn = (tool as { function?: ToolDefinition['function'] }).function;
  if (tool.type !== 'function' || typeof fn?.name !== 'string') {
    throw new GatewayError('invalid_request', `tools of type "${String(tool.type)}" are not supported by ${provider}; only function tools are`, {
      param: 'tools',
    });
  }
  return fn;
}

/** The function a `tool_choice` object forces, or a 400 when the choice is of another kind. */
export function forcedFunctionName(choice: Exclude<ChatRequest['tool_choice'], string | undefined>, provider: string): string {
  const name = (choice as { function?: { name?: unknown } } | null)?.function?.name;
  if (typeof name !== 'string') {
    throw new GatewayError('invalid_request', `a tool_choice of type "${String(choice?.type)}" is not supported by ${provider}`, { param: 'tool_choice' });
  }
  return name;
}
