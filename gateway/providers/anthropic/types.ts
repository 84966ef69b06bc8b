/**
 * Anthropic Messages API wire shapes (https://docs.anthropic.com/en/api/messages), only the
 * fields the node reads or writes. Unknown fields pass through untouched where the node relays
 * native bodies, so these types are deliberately open.
 */

/** Where an image comes from. */
export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

/** A content block of a request message or a response. */
export type AnthropicContentBlock =
  | { type: 'text'; text: string; [field: string]: unknown }
  | { type: 'image'; source: AnthropicImageSource; [field: string]: unknown }
  | { type: 'tool_use'; id: string; name: string; input: unknown; [field: string]: unknown }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content?: string | AnthropicContentBlock[];
      is_error?: boolean;
      [field: string]: unknown;
    }
  | { type: 'thinking'; thinking: string; signature?: string; [field: string]: unknown }
  | { type: 'redacted_thinking'; data: string; [field: string]: unknown };

/** One message of a conversation (only user and assistant exist; system is a top-level field). */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/** A tool the model may call. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  [field: string]: unknown;
}

/** How the model must use tools. */
export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** What structured outputs constrain the answer's text to (`output_config.format`). */
export interface AnthropicOutputFormat {
  type: 'json_schema';
  schema: Record<string, unknown>;
}

/** A Messages API request body. */
export interface AnthropicRequest {
  model: string;
  messages: AnthropicMessage[];
  max_tokens: number;
  system?: string | { type: 'text'; text: string; [field: string]: unknown }[];
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string };
  output_config?: { format?: AnthropicOutputFormat; [field: string]: unknown };
  [field: string]: unknown;
}

/** Why the model stopped. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/** Token counts as Anthropic reports them (input excludes cached tokens). */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [field: string]: unknown;
}

/** A Messages API response body. */
export interface AnthropicResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
  [field: string]: unknown;
}

/** Anthropic's error body, used both for HTTP errors and the stream's `error` event. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

/** The delta of a `content_block_delta` event. */
export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown };

/** One event of a streamed Messages API response. */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicResponse }
  | { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
      usage: Partial<AnthropicUsage>;
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorBody;
