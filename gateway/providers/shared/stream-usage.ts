import type { ChatChunk, ChatRequest, Usage } from '../chat-types.js';

/** How a translated stream reports usage. */
export interface StreamUsageOptions {
  /** OpenAI's `stream_options.include_usage`: a final chunk with empty choices carries usage. */
  includeUsage: boolean;
}

/** The request's usage options for a translated stream. */
export function streamUsageOptionsOf(request: ChatRequest): StreamUsageOptions {
  return { includeUsage: request.stream_options?.include_usage === true };
}

/**
 * The chunks that end a translated stream: its finish chunk, and the usage the provider reported.
 * With `include_usage` the usage follows in a last chunk with no choices, as OpenAI sends it;
 * without, it rides on the finish chunk, where the node still reads it for logs and budgets.
 */
export function closingChunks(finish: ChatChunk, usage: Usage | undefined, options: StreamUsageOptions): ChatChunk[] {
  if (!usage) return [finish];
  if (!options.includeUsage) return [{ ...finish, usage }];
  return [finish, { ...finish, choices: [], usage }];
}
