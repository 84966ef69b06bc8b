/**
 * Amazon Bedrock's Converse wire shapes (bedrock-runtime, API version 2023-09-30), as far as
 * the node sends and reads them. Binary fields (image bytes) travel as base64 strings in JSON.
 */

/** One block of a Converse message. */
export type ConverseContentBlock =
  | { text: string }
  | { image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | {
      toolResult: {
        toolUseId: string;
        content: ({ text: string } | { json: unknown })[];
        status?: 'success' | 'error';
      };
    }
  | { reasoningContent: unknown };

/** A Converse message: only user and assistant roles exist; tool results ride in user turns. */
export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

/** A tool the model may call. */
export interface ConverseTool {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

/** Which tool the model must (or may) use. */
export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

/** The body of `POST /model/{modelId}/converse` and `/converse-stream`. */
export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ConverseTool[]; toolChoice?: ConverseToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
}

/** Token counts as Bedrock reports them. */
export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Why the model stopped (documented values; newer ones may appear). */
export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded'
  | (string & {});

/** The body Converse answers with. */
export interface ConverseResponse {
  output?: { message?: { role: 'assistant'; content?: Record<string, unknown>[] } };
  stopReason?: ConverseStopReason;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: number };
}

/** The JSON payloads of ConverseStream's events, keyed by `:event-type`. */
export interface ConverseStreamPayloads {
  messageStart: { role?: string };
  contentBlockStart: { contentBlockIndex?: number; start?: { toolUse?: { toolUseId?: string; name?: string } } };
  contentBlockDelta: {
    contentBlockIndex?: number;
    delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: unknown };
  };
  contentBlockStop: { contentBlockIndex?: number };
  messageStop: { stopReason?: ConverseStopReason };
  metadata: { usage?: ConverseUsage; metrics?: { latencyMs?: number } };
}
