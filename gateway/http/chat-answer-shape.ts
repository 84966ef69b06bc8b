import type { ChatResponse } from '../providers/chat-types.js';
import { unreadableAnswer } from '../providers/shared/unreadable-answer.js';
import type { UpstreamTarget } from '../providers/types.js';

/**
 * Checks the shape the drop-in routes read from a chat completion before translating it
 * (Anthropic's message, Gemini's candidates): `choices` an array of objects each with a
 * `message` object, whose `tool_calls`, when present, are objects with a `function` whose
 * `arguments` is a string. An OpenAI-protocol provider's answer reaches the routes as it was
 * sent (only checked to be a JSON object), so valid JSON of another shape is the provider's
 * bad answer (upstream_bad_response, 502, and the next fallback gets the request), not a
 * TypeError answered as the node's own 500. Runs inside the attempt, once per answer.
 */
export function checkChatAnswerShape(chat: ChatResponse, target: UpstreamTarget): void {
  const problem = shapeProblemOf(chat);
  if (problem !== undefined) throw unreadableAnswer(target, problem);
}

/** What is wrong with a chat completion's shape, or undefined when nothing is. */
function shapeProblemOf(chat: ChatResponse): string | undefined {
  const choices: unknown = chat.choices;
  if (!Array.isArray(choices)) return 'no choices array';
  for (const choice of choices) {
    if (!isObject(choice) || !isObject(choice.message)) return 'a choice without a message object';
    const calls = choice.message.tool_calls;
    if (calls === undefined || calls === null) continue;
    if (!Array.isArray(calls) || !calls.every(isReadableToolCall)) return 'tool_calls that are not function calls with string arguments';
  }
  return undefined;
}

function isReadableToolCall(call: unknown): boolean {
  return isObject(call) && isObject(call.function) && typeof call.function.arguments === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
