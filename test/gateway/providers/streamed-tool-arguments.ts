import type { ChatChunk } from '../../../gateway/providers/chat-types.js';

/** The argument text a client assembles for the tool call at `index` from streamed chunks. */
export function streamedToolArguments(chunks: readonly ChatChunk[], index: number): string {
  return chunks
    .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
    .filter((call) => call.index === index)
    .map((call) => call.function?.arguments ?? '')
    .join('');
}
