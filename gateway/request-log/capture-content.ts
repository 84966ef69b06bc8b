import { MAX_CONTENT_CHARS } from './log-row.js';

/**
 * What a request log keeps of a request's content (prompts, answers), gathered while the
 * request runs. Only created when a request log with content logging is on: otherwise no
 * request pays for it. References the client's body (no copy); a stream's text is appended
 * chunk by chunk, up to what a row can hold.
 */
export interface CapturedContent {
  input?: unknown;
  params?: Record<string, unknown>;
  tools?: unknown;
  output?: unknown;
  toolCalls?: unknown;
  stopReason?: string;
  /** A stream's answer so far. */
  streamText?: string;
  /** A stream's tool calls so far, by index (their arguments arrive in pieces). */
  streamToolCalls?: StreamedToolCall[];
  /**
   * Characters of a stream's answer seen so far (text, tool names and arguments), kept or not.
   * Past MAX_CONTENT_CHARS the row gets the truncation marker anyway, so the capture stops
   * keeping them: a stream that never ends must not grow the node's memory with it.
   */
  streamChars?: number;
}

/** One tool call assembled from a stream's deltas. */
interface StreamedToolCall {
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/** Request fields that are content or routing, not parameters. */
const NOT_PARAMS = new Set(['model', 'messages', 'contents', 'prompt', 'input', 'tools', 'fallbacks', 'stream']);

/** Notes the client's request: messages (Gemini: contents; or prompt / input), tools, and the other parameters. */
export function captureRequest(content: CapturedContent, body: Record<string, unknown>): void {
  content.input = body.messages ?? body.contents ?? body.prompt ?? body.input;
  if (body.tools !== undefined) content.tools = body.tools;
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) if (!NOT_PARAMS.has(name)) params[name] = value;
  if (Object.keys(params).length > 0) content.params = params;
}

interface ChoiceLike {
  message?: { tool_calls?: unknown };
  text?: string;
  delta?: { content?: unknown; tool_calls?: unknown };
  finish_reason?: string | null;
}

/** Notes a JSON answer (chat: the first choice's message; completions: its text). */
export function captureAnswer(content: CapturedContent, answer: unknown): void {
  const choice = firstChoice(answer);
  if (!choice) return;
  content.output = choice.message ?? choice.text;
  if (choice.message?.tool_calls) content.toolCalls = choice.message.tool_calls;
  if (choice.finish_reason) content.stopReason = choice.finish_reason;
}

/** Notes an answer in a provider's native shape (Anthropic's content blocks, a Gemini candidate). */
export function captureOutput(content: CapturedContent, output: unknown, stopReason: string | null | undefined): void {
  content.output = output;
  if (stopReason) content.stopReason = stopReason;
}

/** Appends a streamed piece of answer text in a provider's native shape, and its stop reason. */
export function captureText(content: CapturedContent, text: unknown, stopReason?: string | null): void {
  if (typeof text === 'string' && text !== '' && keeps(content, text.length)) content.streamText = (content.streamText ?? '') + text;
  if (stopReason) content.stopReason = stopReason;
}

/** Notes one streamed chunk: its text is appended; the finish reason kept. */
export function captureChunk(content: CapturedContent, chunk: unknown): void {
  const choice = firstChoice(chunk);
  if (!choice) return;
  const text = typeof choice.delta?.content === 'string' ? choice.delta.content : typeof choice.text === 'string' ? choice.text : undefined;
  if (text && keeps(content, text.length)) content.streamText = (content.streamText ?? '') + text;
  if (Array.isArray(choice.delta?.tool_calls)) for (const delta of choice.delta.tool_calls as ToolCallDelta[]) mergeToolCall(content, delta);
  if (choice.finish_reason) content.stopReason = choice.finish_reason;
}

/** Adds one tool-call delta: the first piece names the call, later ones extend its arguments. */
function mergeToolCall(content: CapturedContent, delta: ToolCallDelta): void {
  const calls = content.streamToolCalls ?? [];
  const index = typeof delta.index === 'number' && delta.index >= 0 && delta.index < 128 ? delta.index : calls.length;
  // A new call is counted at the size of its JSON frame, so a stream of empty deltas without an
  // index cannot add calls without end. (Once nothing is kept, only the texts are counted.)
  const frame = calls[index] === undefined && (content.streamChars ?? 0) <= MAX_CONTENT_CHARS ? NEW_CALL_CHARS : 0;
  const text = (delta.function?.name?.length ?? 0) + (delta.function?.arguments?.length ?? 0) + (delta.id?.length ?? 0);
  if (!keeps(content, frame + text)) return;
  content.streamToolCalls = calls;
  const call = (calls[index] ??= { type: 'function', function: { name: '', arguments: '' } });
  if (delta.id) call.id = delta.id;
  if (delta.type) call.type = delta.type;
  if (delta.function?.name) call.function.name += delta.function.name;
  if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
}

/** The JSON a tool call costs besides its texts: `{"type":"function","function":{"name":"","arguments":""}}`. */
const NEW_CALL_CHARS = 57;

/**
 * Counts `chars` more of a stream's answer; true while the answer still fits in a row. The
 * first time it does not, what was kept is let go.
 */
function keeps(content: CapturedContent, chars: number): boolean {
  const seen = (content.streamChars ?? 0) + chars;
  content.streamChars = seen;
  if (seen <= MAX_CONTENT_CHARS) return true;
  content.streamText = undefined;
  content.streamToolCalls = undefined;
  return false;
}

/** The content fields of a row, a stream's text as the assistant's message. */
export function contentForRow(content: CapturedContent): { input?: unknown; output?: unknown; params?: unknown; tools?: unknown; toolCalls?: unknown } {
  if (content.output === undefined && (content.streamChars ?? 0) > MAX_CONTENT_CHARS) {
    // The same marker a JSON answer too large for its column gets (log-row's serialize).
    return { input: content.input, output: { truncated: true, chars: content.streamChars }, params: content.params, tools: content.tools };
  }
  const streamed = content.streamText !== undefined || content.streamToolCalls !== undefined;
  const toolCalls = content.toolCalls ?? content.streamToolCalls?.filter((call) => call !== undefined);
  const output =
    content.output ??
    (streamed ? { role: 'assistant', content: content.streamText ?? null, ...(content.streamToolCalls ? { tool_calls: toolCalls } : {}) } : undefined);
  return { input: content.input, output, params: content.params, tools: content.tools, toolCalls };
}

function firstChoice(value: unknown): ChoiceLike | undefined {
  const choices = (value as { choices?: unknown } | null | undefined)?.choices;
  return Array.isArray(choices) ? (choices[0] as ChoiceLike | undefined) : undefined;
}
