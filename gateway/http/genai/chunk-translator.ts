import type { ChatChunk } from '../../providers/chat-types.js';
import type { GeminiCandidate, GeminiResponse } from '../../providers/gemini/wire-types.js';
import { toFunctionCallPart, toGeminiFinishReason, toUsageMetadata } from './from-chat-response.js';

interface PendingCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

/**
 * Turns OpenAI chat chunks into Gemini stream events. Text goes out as it comes; tool call
 * fragments are gathered and sent whole with the candidate's finishReason (Gemini never
 * splits a function call); the last event carries usageMetadata, as Gemini's does.
 */
export class ChunkToGeminiTranslator {
  private readonly calls = new Map<number, Map<number, PendingCall>>();
  private final: GeminiResponse | undefined;
  private id: string | undefined;
  private model: string;

  constructor(model: string) {
    this.model = model;
  }

  /** The Gemini events a chunk completes (possibly none). */
  push(chunk: ChatChunk): GeminiResponse[] {
    this.id ??= chunk.id;
    if (chunk.model) this.model = chunk.model;
    const out: GeminiResponse[] = [];
    const candidates: GeminiCandidate[] = [];
    const finished: GeminiCandidate[] = [];
    for (const choice of chunk.choices) {
      const index = choice.index;
      for (const delta of choice.delta.tool_calls ?? []) this.gather(index, delta);
      const text = typeof choice.delta.content === 'string' ? choice.delta.content : '';
      if (choice.finish_reason) {
        const parts = [...(text !== '' ? [{ text }] : []), ...this.drainCalls(index)];
        finished.push({
          ...(parts.length > 0 ? { content: { role: 'model', parts } } : {}),
          finishReason: toGeminiFinishReason(choice.finish_reason) as string,
          index,
        });
      } else if (text !== '') {
        candidates.push({ content: { role: 'model', parts: [{ text }] }, index });
      }
    }
    if (candidates.length > 0) out.push(this.event(candidates));
    if (finished.length > 0) {
      // Held back until the usage (which OpenAI sends in a later chunk) or the end.
      if (this.final) out.push(this.final);
      this.final = this.event(finished);
    }
    const usage = toUsageMetadata(chunk.usage);
    if (usage) {
      const last = this.final ?? this.event([]);
      last.usageMetadata = usage;
      this.final = last;
    }
    return out;
  }

  /** The events still held back once the chat stream ended. */
  finish(): GeminiResponse[] {
    const out = this.final ? [this.final] : [];
    this.final = undefined;
    return out;
  }

  private gather(choice: number, delta: NonNullable<ChatChunk['choices'][number]['delta']['tool_calls']>[number]): void {
    let calls = this.calls.get(choice);
    if (!calls) this.calls.set(choice, (calls = new Map()));
    const call = calls.get(delta.index) ?? { id: undefined, name: '', arguments: '' };
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
    calls.set(delta.index, call);
  }

  private drainCalls(choice: number) {
    const calls = [...(this.calls.get(choice)?.entries() ?? [])].sort(([a], [b]) => a - b);
    this.calls.delete(choice);
    return calls.map(([, call]) => toFunctionCallPart(call.id, call.name, call.arguments));
  }

  private event(candidates: GeminiCandidate[]): GeminiResponse {
    return { candidates, modelVersion: this.model, ...(this.id ? { responseId: this.id } : {}) };
  }
}

/** Translates a whole chat chunk stream into Gemini events. */
export async function* toGeminiEvents(chunks: AsyncIterable<ChatChunk>, model: string): AsyncGenerator<GeminiResponse> {
  const translator = new ChunkToGeminiTranslator(model);
  for await (const chunk of chunks) yield* translator.push(chunk);
  yield* translator.finish();
}
