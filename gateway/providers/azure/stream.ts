import type { ChatChunk } from '../chat-types.js';

/**
 * Azure's streams open with a chunk that has no choices, only `prompt_filter_results` (its
 * content-filter verdict on the prompt). OpenAI clients expect every chunk without usage to
 * carry a choice, so such chunks are dropped; everything else passes through unchanged.
 */
export async function* withoutFilterOnlyChunks(chunks: AsyncIterable<ChatChunk>): AsyncGenerator<ChatChunk> {
  for await (const chunk of chunks) {
    const empty = !Array.isArray(chunk.choices) || chunk.choices.length === 0;
    if (empty && !chunk.usage) continue;
    yield chunk;
  }
}
