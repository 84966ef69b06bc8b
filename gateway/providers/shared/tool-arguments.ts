/** The arguments of a tool call that takes none: OpenAI clients JSON.parse them, and "" is not JSON. */
export const EMPTY_TOOL_ARGUMENTS = '{}';

/**
 * A stream translator's book of the tool calls no argument text has reached yet, by the
 * upstream's block (or event) index. Upstreams stream a call without arguments as a start and an
 * end with nothing between; when its block ends, the translator sends EMPTY_TOOL_ARGUMENTS for it,
 * as the JSON answer has them.
 */
export class ToolsAwaitingArguments {
  private readonly waiting = new Map<number, number>();

  /** A call opened at `block`, the client's tool call `toolIndex`, with no argument text yet. */
  open(block: number, toolIndex: number): void {
    this.waiting.set(block, toolIndex);
  }

  /** Argument text reached the call at `block`. */
  fed(block: number): void {
    this.waiting.delete(block);
  }

  /** The block ended: the client's tool index to give EMPTY_TOOL_ARGUMENTS, when it got none. */
  close(block: number): number | undefined {
    const toolIndex = this.waiting.get(block);
    this.waiting.delete(block);
    return toolIndex;
  }

  /** The message ended: every call still waiting (its block never closed), each given up once. */
  closeAll(): number[] {
    const left = [...this.waiting.values()];
    this.waiting.clear();
    return left;
  }
}
